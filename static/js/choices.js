// Multiple choice by keyboard, in the quiz and the mock interview: A–D (any option's letter) or 1–9 (its place)
// picks an option — a single-answer question selects it, a multi-answer one toggles it — and Enter submits: the
// quiz's answer, or the mock's next question (its last one hands in, with the hand-in's own confirmation).
// The pick is a real click on the input, so the page's own listeners (the mock's autosave) see it as a learner's.

function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || target.tagName === "TEXTAREA"
    || target.tagName === "SELECT" || (target.tagName === "INPUT" && !["radio", "checkbox"].includes(target.type)));
}

// The options on screen: the quiz's unanswered question, or the mock's visible question.
function activeChoices() {
  const quiz = document.querySelector("#quiz-question .quiz-answer-form .quiz-choices");
  if (quiz) return { root: quiz.closest("form"), kind: "quiz" };
  const mock = document.querySelector("form.mock-question:not([hidden]) .mock-choices");
  if (mock) return { root: mock.closest("form"), kind: "mock" };
  return null;
}

function inputs(root) {
  return [...root.querySelectorAll("input[type=radio][name=choice], input[type=checkbox][name=choice]")]
    .filter((input) => !input.disabled);
}

function pick(root, key) {
  const options = inputs(root);
  const upper = key.toUpperCase();
  let input = options.find((option) => option.value.toUpperCase() === upper);
  if (!input && /^[1-9]$/.test(key)) input = options[Number(key) - 1];
  if (!input) return false;
  if (input.type === "radio" && input.checked) {
    input.focus({ preventScroll: true });
    return true;
  }
  input.click(); // a radio is selected, a checkbox toggled; input and change events follow
  input.focus({ preventScroll: true });
  return true;
}

function submit(active) {
  const { root, kind } = active;
  if (!inputs(root).some((input) => input.checked)) return false;
  const button = kind === "quiz"
    ? root.querySelector("[data-testid=quiz-submit]")
    : root.querySelector("[data-testid=mock-next], [data-testid=mock-last-finish]");
  if (!button || button.disabled) return false;
  button.click();
  return true;
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
  if (isTyping(event.target)) return;
  const active = activeChoices();
  if (!active) return;
  if (event.key === "Enter") {
    if (submit(active)) event.preventDefault();
  } else if (event.key.length === 1 && pick(active.root, event.key)) {
    event.preventDefault();
  }
});
