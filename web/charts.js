// Two small SVG charts for the status page: a line chart of a series over time and a
// horizontal bar chart. Each comes with a text equivalent (a visually hidden table or the
// bars' own labels), so the figures are not only pictures.
import {formatNumber, h} from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// points: [{t (ms since epoch), v}], drawn left (oldest) to right. `unit` labels the axis.
export function lineChart(points, {label, unit = '', width = 560, height = 180}) {
  const pad = {left: 44, right: 10, top: 10, bottom: 22};
  const w = width - pad.left - pad.right;
  const hgt = height - pad.top - pad.bottom;
  const max = Math.max(1e-9, ...points.map((p) => p.v));
  const top = niceCeil(max);
  const svg = s('svg', {viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img',
                        'aria-label': label});
  for (let i = 0; i <= 4 && points.length >= 2; i++) {
    const y = pad.top + hgt - (hgt * i) / 4;
    svg.append(s('line', {x1: pad.left, x2: pad.left + w, y1: y, y2: y, class: 'grid'}),
               s('text', {x: pad.left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end'},
                 formatTick((top * i) / 4)));
  }
  if (points.length >= 2) {
    const t0 = points[0].t;
    const span = Math.max(1, points[points.length - 1].t - t0);
    const xy = points.map((p) => [pad.left + (w * (p.t - t0)) / span,
                                  pad.top + hgt - (hgt * p.v) / top]);
    const d = xy.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
    const area = `${d} L${xy[xy.length - 1][0].toFixed(1)},${pad.top + hgt} ` +
                 `L${xy[0][0].toFixed(1)},${pad.top + hgt} Z`;
    svg.append(s('path', {d: area, class: 'area'}), s('path', {d, class: 'line'}));
    svg.append(s('text', {x: pad.left, y: height - 4, class: 'axis'},
                 `${Math.round(span / 1000)} s ago`),
               s('text', {x: pad.left + w, y: height - 4, class: 'axis', 'text-anchor': 'end'},
                 'now'));
  } else {
    svg.append(s('text', {x: pad.left + w / 2, y: pad.top + hgt / 2, class: 'axis',
                          'text-anchor': 'middle'}, 'collecting samples…'));
  }
  const caption = points.length
    ? `${label}: now ${formatTick(points[points.length - 1].v)}${unit}`
    : `${label}: collecting samples…`;
  return h('figure', {class: 'chart-figure'}, svg, h('figcaption', {}, caption));
}

// bars: [{label, value, note?}] drawn largest first as given.
export function barChart(bars, {label, unit = '', format = formatTick}) {
  if (!bars.length) return h('p', {class: 'muted'}, 'No data yet.');
  const max = Math.max(1e-9, ...bars.map((b) => b.value));
  const notes = bars.some((b) => b.note);
  return h('figure', {class: 'chart-figure'},
           h('ul', {class: notes ? 'bars with-notes' : 'bars', 'aria-label': label}, bars.map((b) => {
             const fillEl = h('span', {class: 'bar-fill'});
             fillEl.style.width = `${Math.max(0.5, (100 * b.value) / max)}%`;
             return h('li', {},
                      h('span', {class: 'bar-label', title: b.label}, b.label),
                      h('span', {class: 'bar-track'}, fillEl),
                      h('span', {class: 'bar-value'}, `${format(b.value)}${unit}`,
                        b.note ? h('span', {class: 'muted'}, ` ${b.note}`) : null));
           })),
           h('figcaption', {}, label));
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

function formatTick(v) {
  if (v >= 1000) return formatNumber(Math.round(v));
  if (v >= 10) return v.toFixed(0);
  if (v >= 1) return v.toFixed(1);
  return v.toFixed(2);
}
