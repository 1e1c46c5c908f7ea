// The cohort page's chart of mock-interview scores: drawn by the lab pages' module (uPlot), loaded only when the
// page has one (no inline script: the Content-Security-Policy allows none).
if (document.querySelector("figure.lab-chart")) {
  import("./lab-charts.js").then((charts) => charts.drawCharts());
}
