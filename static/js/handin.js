// Hand-in with questions unanswered asks first: a dialog names them, and the learner hands in anyway or goes back to
// the first one. It listens before the round's own script (capture phase) and lets a confirmed hand-in through
// untouched, so the autosave's flush-then-finish runs exactly as before. The deadline's own hand-in never asks.

const round = document.getElementById("mock-round");
const dialog = document.querySelector("[data-handin-dialog]");
let confirmed = false;

function unanswered() {
  return [...round.querySelectorAll("form.mock-question")].filter((form) => (form.dataset.kind === "mcq"
    ? !form.querySelector("[data-choice]:checked")
    : !form.querySelector("[data-answer]")?.value.trim())).map((form) => Number(form.dataset.position));
}

function ask(open, proceed) {
  dialog.querySelector("[data-handin-text]").textContent = dialog.dataset.msgUnanswered.replace("{count}",
    String(open.length));
  dialog.querySelector("[data-handin-list]").textContent = open.map((position) => `#${position}`).join("  ");
  dialog.querySelector("[data-handin-confirm]").onclick = () => {
    dialog.close();
    proceed();
  };
  dialog.querySelector("[data-handin-back]").onclick = () => {
    dialog.close();
    round.querySelector(`[data-goto="${open[0]}"]`)?.click();
  };
  dialog.showModal();
  dialog.querySelector("[data-handin-back]").focus();
}

function onSubmit(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !round.contains(form)) return;
  const submitter = event.submitter;
  if (!form.matches("[data-finish]") && submitter?.value !== "finish") return;
  if (confirmed) {
    confirmed = false;
    return;
  }
  const open = unanswered();
  if (!open.length) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  ask(open, () => {
    confirmed = true;
    if (submitter) form.requestSubmit(submitter);
    else form.requestSubmit();
  });
}

if (round && dialog) document.addEventListener("submit", onSubmit, true);
