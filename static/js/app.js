// Page-wide behaviour: math rendering (KaTeX, also after HTMX swaps) and the theme toggle.

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
  await fetch("/settings/theme", { method: "POST", body, headers: { "HX-Request": "true" } });
}

window.addEventListener("load", () => renderMath());
document.addEventListener("htmx:afterSwap", (event) => renderMath(event.target));
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-theme-toggle]")) toggleTheme();
});
