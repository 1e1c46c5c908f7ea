// Review by keyboard, like Anki: Space shows the answer, 1–4 grade, U undoes, S suspends, B buries until tomorrow,
// F cycles the flag, E edits the card; and how long each card was on screen.

const GRADE_KEYS = new Set(["1", "2", "3", "4"]);
let shownAt = performance.now();

function session() {
  return document.getElementById("review-session");
}

function isTyping(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function reveal(event) {
  const answer = session()?.querySelector("[data-answer]");
  if (!answer) return;
  // Space on a focused summary or button would toggle or press it: here it only ever reveals.
  const onControl = event.target instanceof Element && event.target.closest("summary, button");
  if (!answer.open || onControl) event.preventDefault();
  if (!answer.open) {
    answer.open = true;
    answer.querySelector("summary")?.blur();
  }
}

function press(selector, event) {
  const button = session()?.querySelector(selector);
  if (!button) return;
  event.preventDefault();
  // A key pressed in the few milliseconds after a swap can beat htmx to the new form: process it first (a no-op
  // when htmx already has), so the press is an HTMX request and never a full-page form post.
  const form = button.closest("form");
  if (form && window.htmx) window.htmx.process(form);
  button.click();
}

function onKey(event) {
  if (!session() || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) {
    return;
  }
  if (event.key === " ") {
    reveal(event);
  } else if (event.repeat) {
    // Holding a key down must not grade card after card.
  } else if (GRADE_KEYS.has(event.key)) {
    if (session().querySelector("[data-answer]")?.open) press(`.review-grades button[data-rating="${event.key}"]`, event);
  } else if (event.key === "u" || event.key === "U") {
    press("[data-undo]", event);
  } else if (event.key === "s" || event.key === "S") {
    press("[data-suspend]", event);
  } else if (event.key === "b" || event.key === "B") {
    press("[data-bury]", event);
  } else if (event.key === "f" || event.key === "F") {
    press("[data-flag-next]", event);
  } else if (event.key === "e" || event.key === "E") {
    press("[data-edit]", event);
  }
}

// Flagging shows the same card again: it stays revealed, and its time on screen keeps counting.
let before = null;
function onRequest(event) {
  const card = session()?.querySelector(".review-card");
  before = card ? { id: card.dataset.questionId, open: Boolean(card.querySelector("[data-answer]")?.open) } : null;
}

// Capture phase: the duration is in the form before htmx (or the browser) reads the form's values.
function onSubmit(event) {
  const field = event.target instanceof HTMLFormElement && event.target.querySelector("[data-duration]");
  if (field) field.value = String(Math.round(performance.now() - shownAt));
}

function onSwap(event) {
  if (event.target !== session()) return;
  const card = session().querySelector(".review-card");
  if (before && card && card.dataset.questionId === before.id) {
    const answer = card.querySelector("[data-answer]");
    if (answer && before.open) answer.open = true;
    before = null;
    return;
  }
  before = null;
  shownAt = performance.now();
  if (session().getBoundingClientRect().top < 0) session().scrollIntoView({ block: "start" });
}

document.addEventListener("keydown", onKey);
document.addEventListener("submit", onSubmit, true);
document.addEventListener("htmx:beforeRequest", onRequest);
document.addEventListener("htmx:afterSwap", onSwap);
// Tests (and nothing else) wait for this before pressing keys: a key pressed before the module has run does nothing.
document.documentElement.dataset.reviewKeys = "ready";
