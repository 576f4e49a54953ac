// Status: health (/healthz, /readyz, version), request rate and latency from /metrics (an
// admin key is needed for those when authentication is on), and points per collection, drawn
// as charts and refreshed every few seconds while the page is open.
import {call, get, seg} from './api.js';
import {barChart, lineChart} from './charts.js';
import {errorBox, fill, formatNumber, h, pageHeader} from './ui.js';

export const PAGE = 'status';
const REFRESH_MS = 3000;
const KEEP_SAMPLES = 100;

const samples = [];  // [{t, requests}] kept across visits, for the rate chart
let timer = null;

export function leave() {
  clearTimeout(timer);
  timer = null;
}

// Prometheus text -> [{name, labels: {k: v}, value}].
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$/);
    if (!m) continue;
    const labels = {};
    if (m[3]) {
      for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[l[1]] = l[2].replace(/\\(.)/g, (x, c) => (c === 'n' ? '\n' : c));
      }
    }
    out.push({name: m[1], labels, value: Number(m[4])});
  }
  return out;
}

// Per route: count, mean and the bucket bounds that hold the median and the 95th percentile.
function latencyByRoute(metrics) {
  const routes = new Map();
  const get = (labels) => {
    const key = `${labels.method} ${labels.route}`;
    if (!routes.has(key)) routes.set(key, {key, buckets: [], count: 0, sum: 0});
    return routes.get(key);
  };
  for (const m of metrics) {
    if (m.name === 'ragdb_http_request_duration_seconds_bucket') {
      get(m.labels).buckets.push([m.labels.le === '+Inf' ? Infinity : Number(m.labels.le), m.value]);
    } else if (m.name === 'ragdb_http_request_duration_seconds_count') {
      get(m.labels).count = m.value;
    } else if (m.name === 'ragdb_http_request_duration_seconds_sum') {
      get(m.labels).sum = m.value;
    }
  }
  const quantile = (r, q) => {
    const want = q * r.count;
    for (const [le, cum] of r.buckets.sort((a, b) => a[0] - b[0])) {
      if (cum >= want) return le;
    }
    return Infinity;
  };
  return [...routes.values()].filter((r) => r.count > 0).map((r) => ({
    key: r.key, count: r.count, mean: r.sum / r.count, p50: quantile(r, 0.5),
    p95: quantile(r, 0.95)}));
}

const ms = (seconds) => (seconds === Infinity ? '>10 s' : `${(seconds * 1000).toFixed(1)} ms`);

export async function render(view) {
  const health = h('section', {class: 'card', 'aria-labelledby': 'health-title'},
                   h('h2', {id: 'health-title'}, 'Health'));
  const traffic = h('section', {class: 'card', 'aria-labelledby': 'traffic-title'},
                    h('h2', {id: 'traffic-title'}, 'Requests'));
  const latency = h('section', {class: 'card', 'aria-labelledby': 'latency-title'},
                    h('h2', {id: 'latency-title'}, 'Latency by route'));
  const points = h('section', {class: 'card', 'aria-labelledby': 'points-title'},
                   h('h2', {id: 'points-title'}, 'Points per collection'));
  traffic.classList.add('wide');
  latency.classList.add('wide');
  fill(view, pageHeader('Status'), h('div', {class: 'grid'}, health, points, traffic, latency));

  async function refresh() {
    const [about, healthz, readyz, metricsText, cols] = await Promise.all([
      get('/').catch((e) => e),
      call('GET', '/healthz', undefined, {raw: true}).catch((e) => e),
      call('GET', '/readyz', undefined, {raw: true}).catch((e) => e),
      call('GET', '/metrics', undefined, {raw: true}).catch((e) => e),
      collectionPoints().catch((e) => e),
    ]);
    if (!view.isConnected) return;
    drawHealth(health, about, healthz, readyz);
    if (metricsText instanceof Error) {
      const note = metricsText.status === 403
        ? 'Request metrics need an admin API key (GET /metrics).'
        : metricsText.message;
      fill(traffic, h('h2', {id: 'traffic-title'}, 'Requests'), h('p', {class: 'muted'}, note));
      fill(latency, h('h2', {id: 'latency-title'}, 'Latency by route'),
           h('p', {class: 'muted'}, note));
    } else {
      drawMetrics(traffic, latency, parseMetrics(metricsText));
    }
    if (cols instanceof Error) {
      fill(points, h('h2', {id: 'points-title'}, 'Points per collection'), errorBox(cols));
    } else {
      fill(points, h('h2', {id: 'points-title'}, 'Points per collection'),
           barChart(cols.sort((a, b) => b.value - a.value).slice(0, 15),
                    {label: 'Points per collection', format: formatNumber}));
    }
  }

  const loop = async () => {
    try {
      await refresh();
    } catch (err) {
      // shown on the next refresh; a failed poll must not stop the loop
    }
    if (view.isConnected && timer !== null) timer = setTimeout(loop, REFRESH_MS);
  };
  timer = 0;
  await refresh();
  // The rate needs two samples: take the second soon, then one every REFRESH_MS.
  if (timer !== null) timer = setTimeout(loop, 1000);  // null: the page was left
}

async function collectionPoints() {
  const {collections} = await get('/collections');
  return Promise.all(collections.map(async (c) => {
    const info = await get(`/collections/${seg(c.name)}`);
    return {label: c.name, value: info.points_count};
  }));
}

function badge(ok, text) {
  return h('span', {class: `badge ${ok ? 'ok' : 'bad'}`}, text);
}

function drawHealth(el, about, healthz, readyz) {
  const okText = (r) => (r instanceof Error ? r.message : r.trim());
  fill(el, h('h2', {id: 'health-title'}, 'Health'),
       h('dl', {class: 'facts'},
         h('dt', {}, 'Server'),
         h('dd', {}, about instanceof Error
                       ? about.message
                       : `ragdb ${about.ragdb_version || ''} (Qdrant API ${about.version || '?'})`),
         h('dt', {}, 'Live'), h('dd', {}, badge(!(healthz instanceof Error), okText(healthz))),
         h('dt', {}, 'Ready'), h('dd', {}, badge(!(readyz instanceof Error), okText(readyz))),
         h('dt', {}, 'Checked'), h('dd', {}, new Date().toLocaleTimeString('en-GB'))));
}

function drawMetrics(traffic, latency, metrics) {
  let total = 0;
  const byRoute = new Map();
  let errors = 0;
  for (const m of metrics) {
    if (m.name !== 'ragdb_http_requests_total') continue;
    total += m.value;
    if (Number(m.labels.code) >= 500) errors += m.value;
    const key = `${m.labels.method} ${m.labels.route}`;
    byRoute.set(key, (byRoute.get(key) || 0) + m.value);
  }
  const gauge = (name) => (metrics.find((m) => m.name === name) || {value: 0}).value;
  const now = Date.now();
  samples.push({t: now, requests: total});
  while (samples.length > KEEP_SAMPLES) samples.shift();
  const rate = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].t - samples[i - 1].t) / 1000;
    const dn = samples[i].requests - samples[i - 1].requests;
    if (dt > 0 && dn >= 0) rate.push({t: samples[i].t, v: dn / dt});
  }
  fill(traffic, h('h2', {id: 'traffic-title'}, 'Requests'),
       lineChart(rate, {label: 'Requests per second (this page polls too)', unit: '/s'}),
       h('dl', {class: 'facts inline'},
         h('dt', {}, 'Total'), h('dd', {}, formatNumber(total)),
         h('dt', {}, 'Server errors (5xx)'), h('dd', {}, formatNumber(errors)),
         h('dt', {}, 'In flight'), h('dd', {}, formatNumber(gauge('ragdb_http_requests_in_flight'))),
         h('dt', {}, 'Open connections'),
         h('dd', {}, formatNumber(gauge('ragdb_http_connections_open')))),
       barChart([...byRoute.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)
                    .map(([label, value]) => ({label, value})),
                {label: 'Requests by route (busiest 8)', format: formatNumber}));
  const routes = latencyByRoute(metrics).sort((a, b) => b.count - a.count).slice(0, 8);
  fill(latency, h('h2', {id: 'latency-title'}, 'Latency by route'),
       barChart(routes.map((r) => ({label: r.key, value: r.mean * 1000,
                                    note: `(p50 ≤ ${ms(r.p50)}, p95 ≤ ${ms(r.p95)})`})),
                {label: 'Mean latency of the busiest routes, with histogram bounds of the ' +
                        'median and 95th percentile', unit: ' ms'}));
}
