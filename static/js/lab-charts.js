// Lab charts drawn with uPlot (static/vendor/uplot) from the JSON each <figure class="lab-chart"> carries in a
// <script type="application/json">: ticks and tooltips in units, log axes where the server chose them, series
// told apart by colour, dash and marker shape (and bars side by side), redrawn on resize and theme change.

import uPlot from "../vendor/uplot/uPlot.esm.js";
import { formatValue } from "./lab-format.js";

// Okabe–Ito: distinguishable with the common colour-vision deficiencies; dashes and markers carry it in grey too.
// The last is the page's text colour (black, or white on the dark theme).
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7f7f7f", "currentColor"];
const colourOf = (k, colours) => (COLOURS[k % COLOURS.length] === "currentColor" ? colours.fg : COLOURS[k % COLOURS.length]);
const DASHES = [[], [10, 5], [2, 4], [12, 4, 2, 4], [6, 3], [1, 3], [16, 4], [4, 4]];
const SHAPES = ["circle", "square", "triangle", "diamond", "triangleDown", "cross", "circle", "square"];
const HEIGHT = 280;
// Tick steps for a linear bytes axis: powers of two, so that ticks read 4 GiB, 8 GiB, 12 GiB or 256 B, 512 B, ...
const BYTE_STEPS = Array.from({ length: 51 }, (_, k) => 2 ** k);
const FONT = "12px system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', sans-serif";
const LABEL_FONT = "600 12px system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', sans-serif";

const charts = new Map(); // figure -> { plot, spec }

function themeColours() {
  const style = getComputedStyle(document.documentElement);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return { fg: read("--fg", "#1f2328"), muted: read("--muted", "#656d76"), grid: read("--border", "#d8dee4"),
           bg: read("--card", "#ffffff") };
}

function addShape(path, shape, x, y, r) {
  switch (shape) {
    case "square": path.rect(x - r, y - r, 2 * r, 2 * r); break;
    case "triangle": path.moveTo(x, y - r); path.lineTo(x + r, y + r); path.lineTo(x - r, y + r); path.closePath(); break;
    case "triangleDown": path.moveTo(x, y + r); path.lineTo(x + r, y - r); path.lineTo(x - r, y - r); path.closePath(); break;
    case "diamond": path.moveTo(x, y - r); path.lineTo(x + r, y); path.lineTo(x, y + r); path.lineTo(x - r, y); path.closePath(); break;
    case "cross": path.moveTo(x - r, y - r); path.lineTo(x + r, y + r); path.moveTo(x + r, y - r); path.lineTo(x - r, y + r); break;
    default: path.moveTo(x + r, y); path.arc(x, y, r, 0, 2 * Math.PI);
  }
}

// Markers of one shape per series, on every `stride`-th point, shifted per series so overlapping lines' markers
// sit side by side instead of on top of each other.
function markers(shape, stride, offset) {
  return {
    show: true,
    size: 8,
    width: 1.5,
    filter: (u, seriesIdx) => {
      const ys = u.data[seriesIdx];
      const picked = [];
      for (let i = 0; i < ys.length; i++) if (ys[i] != null && (i + offset) % stride === 0) picked.push(i);
      if (ys.length && !picked.includes(ys.length - 1) && ys[ys.length - 1] != null) picked.push(ys.length - 1);
      return picked;
    },
    paths: (u, seriesIdx, idx0, idx1, picked) => {
      const path = new Path2D();
      const r = (u.series[seriesIdx].points.size / 2) * devicePixelRatio;
      for (const i of picked || []) {
        const y = u.data[seriesIdx][i];
        if (y == null) continue;
        addShape(path, shape, u.valToPos(u.data[0][i], "x", true), u.valToPos(y, "y", true), r);
      }
      return { stroke: path, fill: shape === "cross" ? null : path };
    },
  };
}

// Tick positions for a log axis: powers of the base (of 2 for bytes, so ticks read 1 GiB, 4 GiB, ...), thinned out.
function logSplits(base, unit) {
  return (u, axisIdx, min, max) => {
    const step = unit === "bytes" ? 2 : base;
    const splits = [];
    for (let k = Math.floor(Math.log(min) / Math.log(step)); step ** k <= max * 1.0001; k++) {
      if (step ** k >= min * 0.9999) splits.push(step ** k);
    }
    const stride = Math.max(1, Math.ceil(splits.length / 7));
    return splits.filter((_, i) => (splits.length - 1 - i) % stride === 0);
  };
}

function tooltipPlugin(spec) {
  let box;
  return {
    hooks: {
      init: (u) => {
        box = document.createElement("div");
        box.className = "lab-tooltip";
        box.hidden = true;
        u.over.appendChild(box);
      },
      setCursor: (u) => {
        const i = u.cursor.idx;
        if (i == null || u.cursor.left < 0) { box.hidden = true; return; }
        const x = spec.categories ? spec.categories[i] : formatValue(u.data[0][i], spec.xUnit);
        box.replaceChildren();
        const head = document.createElement("strong");
        head.textContent = spec.xLabel ? `${spec.xLabel}: ${x}` : x;
        box.appendChild(head);
        spec.series.forEach((series, k) => {
          const line = document.createElement("div");
          const swatch = document.createElement("span");
          swatch.className = `swatch c${k % COLOURS.length}`;
          line.append(swatch, `${series.name}: ${formatValue(u.data[k + 1][i], spec.yUnit)}`);
          box.appendChild(line);
        });
        box.hidden = false;
        const right = u.cursor.left + 14;
        const flipped = right + box.offsetWidth > u.over.clientWidth ? u.cursor.left - box.offsetWidth - 14 : right;
        box.style.left = `${Math.max(0, Math.min(flipped, u.over.clientWidth - box.offsetWidth))}px`;
        box.style.top = `${Math.max(0, u.cursor.top - box.offsetHeight / 2)}px`;
      },
    },
  };
}

// A category's name on the axis, cut to what its slot holds: the words before a colon or bracket ("选择性：重算…"
// reads 选择性), else a prefix and "…"; the whole name is in the tooltip and the data table.
function shortName(name, room) {
  const fits = (text) => [...text].reduce((sum, c) => sum + (c.charCodeAt(0) > 0x2e80 ? 12 : 7), 0) <= room - 8;
  if (fits(name)) return name;
  const head = name.split(/[：:（(]/)[0].trim();
  if (head && fits(head)) return head;
  let cut = [...head || name];
  while (cut.length > 1 && !fits(`${cut.join("")}…`)) cut = cut.slice(0, -1);
  return `${cut.join("")}…`;
}

// Room for an axis: its widest tick label (y) or the label height (x), plus the ticks and the axis title.
function axisSize(u, values, axisIdx) {
  if (axisIdx === 0) return 48;
  if (!values) return 60;
  u.ctx.save();
  u.ctx.font = FONT;
  const widest = Math.max(0, ...values.map((text) => u.ctx.measureText(String(text ?? "")).width));
  u.ctx.restore();
  return Math.ceil(widest) + 40;
}

function options(spec, width) {
  const colours = themeColours();
  const bars = spec.kind === "bar";
  const n = spec.x.length;
  const stride = Math.max(1, Math.ceil(n / 10));
  const group = 0.8;
  const barWidth = group / Math.max(spec.series.length, 1);
  const axis = (label, values, extra = {}) => ({
    label, values, font: FONT, labelFont: LABEL_FONT, stroke: colours.muted, labelSize: 22, size: axisSize,
    grid: { stroke: colours.grid, width: 1 }, ticks: { stroke: colours.grid, width: 1 }, ...extra,
  });
  const xValues = (u, splits) => splits.map((v) => (spec.categories ? shortName(spec.categories[v] ?? "", width / n)
    : formatValue(v, spec.xUnit, true)));
  const yValues = (u, splits) => splits.map((v) => formatValue(v, spec.yUnit, true));
  const xScale = bars || spec.categories
    ? { time: false, range: [-0.5, n - 0.5] }
    : { time: false, distr: spec.xLog ? 3 : 1, log: spec.xLog || 10 };
  // bars start at zero (their length is the value); lines zoom to their data, a little padding either side
  const padded = (u, min, max) => {
    const pad = (max - min || Math.abs(max) || 1) * 0.08;
    return [min >= 0 && min - pad < 0 ? 0 : min - pad, max + pad];
  };
  const yScale = spec.yLog ? { distr: 3, log: spec.yLog }
    : { range: bars ? (u, min, max) => [Math.min(0, min), max * 1.08] : padded };
  // uPlot's own filter for log axes keeps only 1-2-5 values; ours are chosen already
  const keep = (u, splits) => splits;
  const yExtra = spec.yLog ? { splits: logSplits(spec.yLog, spec.yUnit), filter: keep }
    : (spec.yUnit === "bytes" ? { incrs: BYTE_STEPS } : {});
  const yAxis = axis(spec.yLabel, yValues, yExtra);
  const xAxis = axis(spec.xLabel, xValues, bars || spec.categories ? { splits: () => spec.x, filter: keep } :
    (spec.xLog ? { splits: logSplits(spec.xLog, spec.xUnit), filter: keep } : {}));
  return {
    width, height: HEIGHT,
    scales: { x: xScale, y: yScale },
    axes: [xAxis, yAxis],
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 9 } },
    plugins: [tooltipPlugin(spec)],
    series: [
      {},
      ...spec.series.map((series, k) => {
        const colour = colourOf(k, colours);
        if (bars) {
          const offset = -group / 2 + k * barWidth;
          return {
            label: series.name, stroke: colour, fill: colour, width: 0, points: { show: false },
            paths: uPlot.paths.bars({
              disp: {
                x0: { unit: 1, values: (u) => u.data[0].map((x) => x + offset + barWidth * 0.05) },
                size: { unit: 1, values: (u) => u.data[0].map(() => barWidth * 0.9) },
              },
            }),
          };
        }
        return {
          label: series.name, stroke: colour, width: 2, dash: DASHES[k % DASHES.length],
          points: { ...markers(SHAPES[k % SHAPES.length], stride, Math.round((k * stride) / spec.series.length)),
                    stroke: colour, fill: colours.bg },
        };
      }),
    ],
  };
}

function draw(figure) {
  const source = figure.querySelector("script.lab-chart-data");
  const holder = figure.querySelector(".lab-chart-canvas");
  if (!source || !holder) return;
  const spec = JSON.parse(source.textContent);
  charts.get(figure)?.plot.destroy();
  holder.replaceChildren();
  const width = Math.max(240, holder.clientWidth || figure.clientWidth || 600);
  const data = [spec.x, ...spec.series.map((series) => series.values)];
  const plot = new uPlot(options(spec, width), data, holder);
  charts.set(figure, { plot, spec });
  figure.classList.add("drawn");
  legend(figure, spec);
  const table = figure.querySelector("details.lab-chart-table");
  if (table && !table.dataset.keep) table.open = false; // the chart is there: the numbers fold away
}

// A legend in the page's own HTML (it wraps, and reads at the page's font size): each key is a small SVG with the
// series' colour, dash and marker, so it matches the line even in print or for colour-blind readers.
const SVG = "http://www.w3.org/2000/svg";

function svgNode(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

function legendKey(k, bars) {
  const colour = colourOf(k, themeColours());
  const key = svgNode("svg", { width: "34", height: "14", viewBox: "0 0 34 14", "aria-hidden": "true", class: "key" });
  if (bars) {
    key.appendChild(svgNode("rect", { x: "9", y: "1", width: "16", height: "12", fill: colour }));
    return key;
  }
  key.appendChild(svgNode("line", { x1: "1", y1: "7", x2: "33", y2: "7", stroke: colour, "stroke-width": "2",
                                    "stroke-dasharray": DASHES[k % DASHES.length].join(" ") || "none" }));
  const r = 4;
  const shapes = {
    square: `M${17 - r} ${7 - r}h${2 * r}v${2 * r}h${-2 * r}Z`,
    triangle: `M17 ${7 - r}L${17 + r} ${7 + r}L${17 - r} ${7 + r}Z`,
    triangleDown: `M17 ${7 + r}L${17 + r} ${7 - r}L${17 - r} ${7 - r}Z`,
    diamond: `M17 ${7 - r}L${17 + r} 7L17 ${7 + r}L${17 - r} 7Z`,
    cross: `M${17 - r} ${7 - r}L${17 + r} ${7 + r}M${17 + r} ${7 - r}L${17 - r} ${7 + r}`,
    circle: `M${17 + r} 7A${r} ${r} 0 1 1 ${17 - r} 7A${r} ${r} 0 1 1 ${17 + r} 7Z`,
  };
  const shape = SHAPES[k % SHAPES.length];
  key.appendChild(svgNode("path", { d: shapes[shape], stroke: colour, "stroke-width": "1.5", fill: "none",
                                    class: shape === "cross" ? "" : "hollow" }));
  return key;
}

function legend(figure, spec) {
  const list = figure.querySelector(".lab-legend");
  if (!list) return;
  list.replaceChildren(...spec.series.map((series, k) => {
    const item = document.createElement("li");
    item.append(legendKey(k, spec.kind === "bar"), series.name);
    return item;
  }));
}

const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const chart = charts.get(entry.target.closest("figure.lab-chart"));
    const width = Math.round(entry.contentRect.width);
    if (chart && width > 0 && Math.abs(chart.plot.width - width) > 2) chart.plot.setSize({ width, height: HEIGHT });
  }
});

export function drawCharts(root = document) {
  for (const figure of root.querySelectorAll("figure.lab-chart")) {
    if (!figure.isConnected) continue;
    try {
      draw(figure);
      resizer.observe(figure.querySelector(".lab-chart-canvas"));
    } catch (error) {
      figure.classList.add("failed"); // the data table stays open
      console.error("lab chart", error);
    }
  }
  for (const figure of [...charts.keys()]) if (!figure.isConnected) { charts.get(figure).plot.destroy(); charts.delete(figure); }
}

export function redrawAll() {
  for (const figure of charts.keys()) if (figure.isConnected) draw(figure);
}
