// Page-wide behaviour: math rendering (KaTeX, also after HTMX swaps), the theme toggle and the CSRF token that
// every state-changing request carries (forms have it as a field, HTMX sends it from <body hx-headers>).

// This visitor's CSRF token, as the page was rendered with it (<meta name="csrf-token">).
export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

// Headers for a fetch() that changes something: the token, plus whatever the caller adds.
export function csrfHeaders(extra = {}) {
  return { "X-CSRFToken": csrfToken(), ...extra };
}

// A POST form rendered without its hidden token field gets one, first in the form (a multipart body is read only
// up to it), so it still submits when JavaScript runs; the templates' own forms carry it already.
function tokenForms(root = document) {
  const token = csrfToken();
  if (!token) return;
  for (const form of root.querySelectorAll('form[method="post" i]')) {
    if (form.querySelector('input[name="csrftoken"]')) continue;
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "csrftoken";
    field.value = token;
    form.prepend(field);
  }
}

// app/render.py has already found the formulas and written them as \( \) and \[ \]; scanning for $ here
// as well would turn prices ("$5 and $10") that the server rightly left alone into formulas.
const MATH_DELIMITERS = [
  { left: "\\[", right: "\\]", display: true },
  { left: "\\(", right: "\\)", display: false },
];

export function renderMath(root = document.body) {
  if (!window.renderMathInElement) return;
  for (const element of root.querySelectorAll(".markdown")) {
    window.renderMathInElement(element, {
      delimiters: MATH_DELIMITERS,
      ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code"],
      throwOnError: false,
    });
  }
}

function currentTheme() {
  const explicit = document.documentElement.dataset.theme;
  if (explicit) return explicit;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

async function toggleTheme() {
  const next = currentTheme() === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = next;
  const body = new URLSearchParams({ theme: next });
  await fetch("/settings/theme", { method: "POST", body, headers: csrfHeaders({ "HX-Request": "true" }) });
}

// Bars and meters carry their share as data-pct (a style attribute would break the Content-Security-Policy).
function applyShares(root = document) {
  for (const element of root.querySelectorAll("[data-pct]")) {
    element.style.setProperty("--pct", `${Number(element.dataset.pct) || 0}%`);
  }
}

window.addEventListener("load", () => renderMath());
document.addEventListener("htmx:afterSwap", (event) => {
  renderMath(event.target);
  tokenForms(); // the whole page: an outerHTML swap leaves event.target detached
  applyShares();
});
tokenForms();
applyShares();
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-theme-toggle]")) toggleTheme();
});
// Tests (and nothing else) wait for this before clicking what this module handles.
document.documentElement.dataset.app = "ready";
