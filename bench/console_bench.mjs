// Web console timings in headless chromium (Debian's, driven by playwright-core from
// tests/console): time to first contentful paint and to interactive (the console's
// "ragdb-ready" mark: the page's data loaded and drawn) for each page, and the time of the
// points browser's and the chunk browser's actions on small and on large data, so the two can
// be compared in one run. Started by bench/console_bench.sh, which builds the data.
//   node bench/console_bench.mjs BASE_URL CONFIG_JSON
// CONFIG_JSON (written by the .sh): the KB for the page times (kb, kb_doc), the chunk browser's
// small and large KBs (small_kb, small_doc, big_kb, big_doc, doc_chunks: chunks per document),
// the points browser's collections (small_points, big_points), and runs per figure.
import { launch, gotoRoute } from '../tests/console/browser.mjs';

const [base, configText] = process.argv.slice(2);
const cfg = JSON.parse(configText);
const RUNS = cfg.runs || 5;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => `${ms.toFixed(0)} ms`;

const browser = await launch();
const context = browser.context;

// A fresh load of a route in a new tab: [first contentful paint, interactive] in ms since the
// navigation started.
async function load(route) {
  const page = await context.newPage();
  await page.goto(`${base}/console#${route}`);
  await page.waitForFunction(() => performance.getEntriesByName('ragdb-ready').length > 0,
                             null, { timeout: 60000 });
  const t = await page.evaluate(() => [
    (performance.getEntriesByName('first-contentful-paint')[0] || { startTime: NaN }).startTime,
    performance.getEntriesByName('ragdb-ready')[0].startTime]);
  await page.close();
  return t;
}

// Milliseconds from an action to a condition on the page.
async function timed(page, action, condition, arg) {
  const t0 = Date.now();
  await action();
  await page.waitForFunction(condition, arg, { timeout: 60000 });
  return Date.now() - t0;
}

const pages = [
  ['Collections', '/collections'],
  ['Points browser (first page)', `/collections/${cfg.kb_points || `kb.${cfg.kb}`}`],
  ['Knowledge bases', '/kb'],
  [`Knowledge base (documents)`, `/kb/${cfg.kb}`],
  ['Document chunks', `/kb/${cfg.kb}/doc/${cfg.kb_doc}`],
  ['Playground', '/playground'],
  ['Chat', '/chat'],
  ['Status', '/status'],
];
await load('/collections');  // warm the server's handles (embedder, collections) once
console.log(`\nPer page, KB "${cfg.kb}" (${cfg.kb_chunks} chunks); median of ${RUNS} fresh loads:`);
console.log('| page | first contentful paint | interactive |');
console.log('|---|---|---|');
for (const [name, route] of pages) {
  const fcp = [], tti = [];
  for (let i = 0; i < RUNS; i++) {
    const [f, t] = await load(route);
    fcp.push(f);
    tti.push(t);
  }
  console.log(`| ${name} | ${fmt(median(fcp))} | ${fmt(median(tti))} |`);
}

// Actions of the browsers: small data beside large data.
// Each action set runs once more than RUNS; the first round (cold caches) is left out.
async function pointsActions(collection) {
  const page = await context.newPage();
  const first = [], next = [], filter = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = Date.now();
    await gotoRoute(page, base, `/collections/${collection}`);
    await page.getByText(/^Points 1–20 of/).waitFor({ timeout: 60000 });
    first.push(Date.now() - t0);
    next.push(await timed(page, () => page.getByRole('button', { name: 'Next →' }).click(),
                          () => /^Points 21–40/.test(document.querySelector('p[role=status]')
                                                       .textContent)));
    await page.getByLabel('Filter').fill('id_bucket == 7');
    filter.push(await timed(page, () => page.getByRole('button', { name: 'Apply' }).click(),
                            () => /matching the filter|No points/.test(
                              document.querySelector('p[role=status]').textContent)));
    await page.goto('about:blank');
  }
  await page.close();
  return { first: median(first.slice(1)), next: median(next.slice(1)),
           filter: median(filter.slice(1)) };
}

async function chunkActions(kb, doc, chunks) {
  const page = await context.newPage();
  const deep = Math.max(0, Math.floor((chunks - 1) / 20) * 20);
  const open = [], nextPage = [], view = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = Date.now();
    await gotoRoute(page, base, `/kb/${kb}/doc/${doc}?offset=${deep}`);
    await page.locator('ol.chunk-list li').first().waitFor({ timeout: 60000 });
    open.push(Date.now() - t0);
    nextPage.push(await timed(page, () => page.getByRole('button', { name: '← Previous' }).click(),
                              (at) => location.hash.endsWith(`offset=${at}`) &&
                                      !document.querySelector('[aria-busy=true]'),
                              deep - 20));
    view.push(await timed(page, () => page.locator('ol.chunk-list button').first().click(),
                          () => !!document.querySelector('dialog[open] pre.chunk-text')));
    await page.keyboard.press('Escape');
    await page.goto('about:blank');
  }
  await page.close();
  return { open: median(open.slice(1)), page: median(nextPage.slice(1)),
           view: median(view.slice(1)) };
}

const smallPts = await pointsActions(cfg.small_points);
const bigPts = await pointsActions(cfg.big_points);
console.log(`\nPoints browser (median of ${RUNS}; from the action to the page showing it):`);
console.log(`| action | ${cfg.small_points_count.toLocaleString("en-US")} points | ` +
            `${cfg.big_points_count.toLocaleString("en-US")} points | ratio |`);
console.log('|---|---|---|---|');
for (const [k, label] of [['first', 'open the browser, first page'], ['next', 'next page'],
                          ['filter', 'apply a filter (count + first page)']]) {
  console.log(`| ${label} | ${fmt(smallPts[k])} | ${fmt(bigPts[k])} | ` +
              `${(bigPts[k] / smallPts[k]).toFixed(2)} |`);
}

const smallChunks = await chunkActions(cfg.small_kb, cfg.small_doc, cfg.doc_chunks);
const bigChunks = await chunkActions(cfg.big_kb, cfg.big_doc, cfg.doc_chunks);
console.log(`\nChunk browser (median of ${RUNS}; a document of ${cfg.doc_chunks} chunks: its ` +
            'last page, the page before, the chunk viewer):');
console.log(`| action | KB of ${cfg.small_kb_chunks} chunks | KB of ${cfg.big_kb_chunks} chunks | ` +
            'ratio |');
console.log('|---|---|---|---|');
for (const [k, label] of [['open', 'open a document at its last page'],
                          ['page', 'previous page'], ['view', 'open the chunk viewer']]) {
  console.log(`| ${label} | ${fmt(smallChunks[k])} | ${fmt(bigChunks[k])} | ` +
              `${(bigChunks[k] / smallChunks[k]).toFixed(2)} |`);
}
await browser.close();
