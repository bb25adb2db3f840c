// Line charts as inline SVG, drawn here without a library: a y axis from zero with four grid lines, time labels at
// both ends and the middle, one polyline per series (a gap where a value is null), a point per value with its value
// as a tooltip, and a text description for screen readers. Colours come from style.css (.series-0, .series-1, …).
const NS = "http://www.w3.org/2000/svg";
const W = 640, H = 220, LEFT = 64, RIGHT = 12, TOP = 12, BOTTOM = 28;

function node(name, attrs, parent, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  if (parent) parent.append(e);
  return e;
}

// The smallest "nice" number (1, 2 or 5 × 10^n) at least x.
function nice(x) {
  if (!(x > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

let serial = 0;

// chart({ title, times: Date[], series: [{ name, values: (number|null)[] }], format: (v) => string, timeFormat })
export function lineChart({ title, times, series, format, timeFormat }) {
  const id = "chart-" + (++serial);
  const figure = document.createElement("figure");
  figure.className = "chart";
  const caption = document.createElement("figcaption");
  caption.id = id + "-caption";
  caption.textContent = title;
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const max = nice(Math.max(0, ...all) * 1.05);
  const svg = node("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-title ${id}-desc`, class: "chart-svg" });
  node("title", { id: id + "-title" }, svg, title);
  const last = series.map((s) => `${s.name}: ${format(Math.max(0, ...s.values.filter((v) => v !== null)))} max`).join("; ");
  node("desc", { id: id + "-desc" }, svg, times.length ? `${timeFormat(times[0])} – ${timeFormat(times[times.length - 1])}. ${last}` : "");
  const x = (i) => LEFT + (times.length <= 1 ? 0 : (i * (W - LEFT - RIGHT)) / (times.length - 1));
  const y = (v) => TOP + (H - TOP - BOTTOM) * (1 - v / max);
  for (let g = 0; g <= 4; g++) {
    const v = (max * g) / 4;
    node("line", { x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v), class: "grid" }, svg);
    node("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, svg, format(v));
  }
  for (const i of [0, Math.floor((times.length - 1) / 2), times.length - 1]) {
    if (i < 0 || !times[i]) continue;
    const anchor = i === 0 ? "start" : i === times.length - 1 ? "end" : "middle";
    node("text", { x: x(i), y: H - 8, "text-anchor": anchor, class: "tick" }, svg, timeFormat(times[i]));
  }
  series.forEach((s, k) => {
    let points = [];
    const flush = () => { if (points.length) node("polyline", { points: points.join(" "), class: `line series-${k}` }, svg); points = []; };
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) { flush(); return; }
      points.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
      const dot = node("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2.5, class: `dot series-${k}` }, svg);
      node("title", {}, dot, `${timeFormat(times[i])} ${s.name}: ${format(v)}`);
    });
    flush();
  });
  const legend = document.createElement("ul");
  legend.className = "legend";
  series.forEach((s, k) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch series-${k}`;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, document.createTextNode(s.name));
    legend.append(item);
  });
  figure.append(caption, svg, legend);
  return figure;
}
