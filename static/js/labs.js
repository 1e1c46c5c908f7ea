// The lab pages' behaviour (a module, no inline script: the Content-Security-Policy allows none): charts, run-form
// presets and device sizes, copy buttons, and HTMX swaps of the 409/422 answers a run can get.

const hasCharts = (root) => root.querySelector?.("figure.lab-chart");
let chartsModule = null;

// uPlot is loaded only on pages that have a chart.
async function charts(root = document) {
  if (!hasCharts(root)) return;
  chartsModule = chartsModule || (await import("./lab-charts.js"));
  chartsModule.drawCharts(root);
}

// A preset button fills the fields it names and empties the rest (an empty field runs at the device's size).
function applyPreset(button) {
  const form = button.closest("form");
  const values = JSON.parse(button.dataset.preset || "{}");
  for (const field of form.querySelectorAll("[data-param]")) {
    const value = values[field.name];
    field.value = value === undefined || value === null ? "" : String(value);
  }
  const device = form.querySelector('select[name="device"]');
  if (button.dataset.device && device && [...device.options].some((o) => o.value === button.dataset.device)) {
    device.value = button.dataset.device;
    showDeviceSizes(form);
  }
  for (const other of form.querySelectorAll("[data-preset]")) other.setAttribute("aria-pressed", String(other === button));
}

// Empty fields run at the chosen device's size: the placeholders say which.
function showDeviceSizes(form) {
  const device = form.querySelector('select[name="device"]')?.value || "cpu";
  for (const field of form.querySelectorAll("[data-param]")) {
    const size = device === "cuda" ? field.dataset.gpu : field.dataset.cpu;
    if (size !== undefined && "placeholder" in field) field.placeholder = size;
  }
  for (const hint of form.querySelectorAll("[data-device-hint]")) hint.hidden = hint.dataset.deviceHint !== device;
}

async function copy(button) {
  const target = document.getElementById(button.dataset.copy);
  if (!target) return;
  try {
    await navigator.clipboard.writeText(target.textContent.trim());
  } catch {
    const range = document.createRange(); // no clipboard permission: select it for Ctrl+C
    range.selectNodeContents(target);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    return;
  }
  const label = button.textContent;
  button.textContent = button.dataset.copied || "✓";
  setTimeout(() => { button.textContent = label; }, 1500);
}

document.addEventListener("click", (event) => {
  const preset = event.target.closest("[data-preset]");
  if (preset) {
    event.preventDefault(); // its href (?preset=ID) is for pages without JavaScript
    applyPreset(preset);
    return;
  }
  const copier = event.target.closest("[data-copy]");
  if (copier) copy(copier);
});

document.addEventListener("change", (event) => {
  if (event.target.matches?.('form.lab-form select[name="device"]')) showDeviceSizes(event.target.closest("form"));
});

// A refused start (409: the device is busy; 422: a bad parameter) still swaps in its message.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.target.closest?.("#lab-run-slot") && [409, 422].includes(event.detail.xhr.status)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("htmx:afterSwap", (event) => charts(event.target.isConnected ? event.target : document));
for (const form of document.querySelectorAll("form.lab-form")) showDeviceSizes(form);
charts();

const redraw = () => chartsModule?.redrawAll();
new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redraw);
