// The web console in a real browser (Debian's chromium, headless) against a real `ragdb serve`
// on loopback: knowledge bases (create, upload two files and a broken one, chunk counts, the
// chunk viewer), a hybrid query in the playground, chat with a citation that opens its chunk,
// the collections' points browser, the status page, keyboard use, and signing in with an API
// key when authentication is on (a wrong key's 401 is shown). Every page is saved as a
// screenshot at 1280x800 and at a phone's size, where nothing may overflow sideways; no page
// may log a console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, stopServer } from '../lib/serve.mjs';
import { DESKTOP, PHONE, gotoRoute, launch, watchErrors } from './browser.mjs';

const BIN = process.env.RAGDB_BIN;
const OUT = process.env.RAGDB_CONSOLE_OUT || mkdtempSync(join(tmpdir(), 'ragdb-console-out-'));
const TIMEOUT = 20000;

const DURABILITY = `# Durability

## Write-ahead log

Every write is appended to the write-ahead log and fsynced before the server acknowledges it.
An acknowledged write therefore survives a crash or a kill -9 of the process.

## Recovery

On start the log is replayed: records after the last checkpoint are applied again.
A torn tail at the end of the log is dropped and reported, never silently kept.

## Segments

Sealed segments are immutable files with checksums. Compaction merges small segments and
drops deleted rows, and the manifest is replaced atomically by a rename.
`;
const PENGUINS = `Emperor penguins breed during the Antarctic winter. The males keep the egg warm on their
feet for about two months while the females feed at sea. Penguins cannot fly, but they swim
fast and dive deep to catch fish and krill.
`;

let dir, files, server, base, browser, page, errors;

async function api(method, path, body, key) {
  const headers = { 'Content-Type': 'application/json' };
  if (key) headers['api-key'] = key;
  const r = await fetch(`${base}${path}`, { method, headers, body: body && JSON.stringify(body) });
  const json = await r.json();
  assert.ok(r.ok, `${method} ${path}: ${JSON.stringify(json)}`);
  return json.result;
}

async function shot(name) {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

// Nothing may be wider than a phone's screen.
async function assertNoSidewaysScroll(what) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth,
                                                     window.innerWidth]);
  assert.ok(scroll <= width + 1, `${what}: the page is ${scroll}px wide on a ${width}px screen`);
}

before(async () => {
  assert.ok(BIN, 'RAGDB_BIN must name the ragdb binary');
  dir = mkdtempSync(join(tmpdir(), 'ragdb-console-'));
  files = mkdtempSync(join(tmpdir(), 'ragdb-console-files-'));
  writeFileSync(join(files, 'durability.md'), DURABILITY);
  writeFileSync(join(files, 'penguins.txt'), PENGUINS);
  writeFileSync(join(files, 'broken.pdf'), '%PDF-1.4 this file is cut short');
  // An empty model cache: no installed models, whatever the machine has.
  const env = { ...process.env, RAGDB_MODEL_CACHE: join(dir, 'models') };
  for (const k of Object.keys(env)) if (k.startsWith('RAGDB_LLM_')) delete env[k];
  server = await startServer(BIN, join(dir, 'data'), [], env);
  base = `http://127.0.0.1:${server.port}`;
  browser = await launch();
  page = browser.context.pages()[0] || await browser.context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  errors = watchErrors(page);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
});

test('knowledge bases: create one, upload two files (and a broken one), see chunk counts, open a chunk', async () => {
  await page.goto(`${base}/console`);
  await page.getByRole('link', { name: 'Knowledge bases', exact: true }).click();
  await page.getByRole('heading', { name: 'Knowledge bases', level: 1 }).waitFor();
  await page.getByText('New knowledge base').click();
  await page.getByLabel('Name').fill('docs');
  await page.getByLabel('Chunk size (tokens)').fill('40');
  await page.getByLabel('Overlap').fill('8');
  await page.getByRole('button', { name: 'Create knowledge base' }).click();
  await page.getByRole('heading', { name: 'docs', level: 1 }).waitFor();

  // Several files through the file input at once; each gets its own progress bar and stages.
  await page.locator('input[type=file]').first().setInputFiles(
    [join(files, 'durability.md'), join(files, 'penguins.txt'), join(files, 'broken.pdf')]);
  const uploads = page.getByRole('list', { name: 'Uploads' });
  await uploads.getByText(/Added: \d+ chunks/).nth(1).waitFor();
  await uploads.getByText(/Not ingested:/).waitFor();
  for (const name of ['durability.md', 'penguins.txt']) {
    assert.equal(await page.getByRole('progressbar', { name: `Progress of ${name}` })
      .getAttribute('value'), '100');
    const stages = page.getByRole('list', { name: `Stages of ${name}` }).locator('li.done');
    assert.equal(await stages.count(), 4, `${name}: parse, chunk, embed and write are done`);
  }

  // The documents list shows each document's chunk count as the server has it, and the
  // broken file with its error.
  const docs = (await api('GET', '/ragdb/kb/docs/documents')).documents;
  assert.equal(docs.length, 2);
  const table = page.locator('section[aria-labelledby=docs-title] table');
  await table.getByRole('link', { name: 'penguins.txt', exact: true }).waitFor();
  for (const d of docs) {
    const name = d.source;
    const row = table.locator('tr', { has: page.getByRole('link', { name, exact: true }) });
    assert.equal((await row.locator('td').nth(2).innerText()).trim(), String(d.chunks), name);
  }
  assert.ok(docs.find((d) => d.source === 'durability.md').chunks >= 3);
  const failed = table.locator('tr', { hasText: 'broken.pdf' });
  assert.match(await failed.innerText(), /failed/);
  await shot('desktop-kb-docs');

  // A document's chunks, then the chunk viewer with text, heading path, page and neighbours.
  await page.getByRole('link', { name: 'Chunks of durability.md' }).click();
  await page.getByRole('heading', { name: 'durability.md', level: 1 }).waitFor();
  await page.getByText(/Chunks 1–\d+ of \d+/).waitFor();
  await page.getByRole('button', { name: 'Open chunk 2' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Heading path').waitFor();
  const text = await dialog.innerText();
  assert.match(text, /Durability ›/);
  assert.match(text, /Chunk\s+2 of \d+/);
  assert.match(text, /Page/);
  assert.match(text, /Previous chunk \(#1\)/);
  assert.match(text, /Next chunk \(#3\)/);
  await shot('desktop-chunk-viewer');
  await dialog.getByRole('button', { name: 'Open next chunk' }).click();
  await dialog.getByRole('heading', { name: 'durability.md · chunk 3', level: 2 }).waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await shot('desktop-kb-document');
  assert.deepEqual(errors, []);
});

test('playground: a hybrid query shows results with scores and per-stage timings', async () => {
  await page.getByRole('link', { name: 'Playground' }).click();
  await page.getByRole('heading', { name: 'Retrieval playground' }).waitFor();
  await page.getByLabel('Knowledge base').selectOption('docs');
  await page.getByLabel('Query').fill('when is a write acknowledged fsync');
  await page.getByLabel('Hybrid', { exact: true }).check();
  await page.getByLabel('Fusion').selectOption('rrf');
  await page.getByLabel('k', { exact: true }).fill('3');
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/ragdb/kb/docs/retrieve')),
    page.getByRole('button', { name: 'Search' }).click(),
  ]);
  assert.deepEqual(JSON.parse(request.postData()),
                   { query: 'when is a write acknowledged fsync', k: 3, mode: 'hybrid',
                     fusion: 'rrf', weights: { dense: 1, bm25: 1 } });
  const results = page.getByRole('region', { name: 'Results' });
  await results.getByText(/^\d+ results?$/).waitFor();
  const first = results.locator('li.result').first();
  assert.match(await first.innerText(), /durability\.md/);
  assert.match(await first.innerText(), /score \d\.\d{4}/);
  assert.match(await results.innerText(), /Embed [\d.]+ ms/);
  assert.match(await results.innerText(), /Search [\d.]+ ms/);
  await shot('desktop-playground');

  // BM25 alone: its own scores, and only lexical matches.
  await page.getByLabel('BM25', { exact: true }).check();
  await page.getByRole('button', { name: 'Search' }).click();
  await results.locator('li.result').first().getByText('BM25 match', { exact: true }).waitFor();
  await first.getByRole('button', { name: /Open chunk/ }).click();
  await page.getByRole('dialog').getByText('Heading path').waitFor();
  await page.keyboard.press('Escape');
  assert.deepEqual(errors, []);
});

test('chat: a streamed answer cites [1], which opens the cited chunk; the conversation is kept', async () => {
  await page.getByRole('link', { name: 'Chat', exact: true }).click();
  await page.getByRole('heading', { name: 'Chat', level: 1 }).waitFor();
  await page.getByLabel('Knowledge base').selectOption('docs');
  const question = page.getByRole('textbox', { name: 'Question' });
  await question.fill('When does the server acknowledge a write?');
  const [first] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions')),
    question.press('Enter'),
  ]);
  assert.equal(JSON.parse(first.postData()).messages.length, 1);
  const log = page.getByRole('list', { name: 'Conversation' });
  const cite = log.getByRole('button', { name: '[1]' }).first();
  await cite.waitFor();
  assert.match(await log.locator('.msg.assistant').first().innerText(), /acknowledg/i);
  assert.match(await log.locator('.msg.assistant .badge').first().innerText(), /extractive/);
  await cite.click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('durability.md').first().waitFor();
  assert.match(await dialog.getByRole('heading', { level: 2 }).innerText(), /^\[1\] durability\.md/);
  assert.match(await dialog.locator('pre.chunk-text').innerText(), /acknowledges/);
  await shot('desktop-chat-citation');
  await page.keyboard.press('Escape');

  // A second turn sends the first question and answer along.
  await question.fill('What happens to a torn tail during recovery?');
  const [second] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions')),
    page.getByRole('button', { name: 'Send' }).click(),
  ]);
  const messages = JSON.parse(second.postData()).messages;
  assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.doesNotMatch(messages[1].content, /Sources:/);
  await log.locator('.msg.assistant').nth(1).getByRole('button', { name: '[1]' }).first().waitFor();
  assert.match(await log.locator('.msg.assistant').nth(1).innerText(), /torn tail/i);
  assert.equal(await log.locator('.msg').count(), 4);
  await shot('desktop-chat');
  assert.deepEqual(errors, []);
});

test('collections: create, browse points with a filter and paging, search similar, delete', async () => {
  await page.getByRole('link', { name: 'Collections', exact: true }).click();
  await page.getByRole('heading', { name: 'Collections', level: 1 }).waitFor();
  await page.getByText('New collection').click();
  await page.getByLabel('Name').fill('items');
  await page.getByLabel('Dimension').fill('4');
  await page.getByLabel('Distance').selectOption('Cosine');
  await page.getByRole('button', { name: 'Create collection' }).click();
  await page.getByRole('heading', { name: 'items', level: 1 }).waitFor();
  const points = [];
  for (let i = 0; i < 45; i++) {
    points.push({ id: i, vector: [1, i % 7, (i * 3) % 5, 1 + (i % 2)],
                  payload: { cat: i % 2 ? 'odd' : 'even', n: i } });
  }
  await api('PUT', '/collections/items/points?wait=true', { points });
  await gotoRoute(page, base, '/collections/items');
  const status = page.locator('p[role=status]');
  await status.getByText('Points 1–20 of 45').waitFor();
  await page.getByRole('button', { name: 'Next →' }).click();
  await status.getByText('Points 21–40 of 45').waitFor();
  assert.match(await page.locator('tbody tr').first().innerText(), /^20\b/);
  await page.getByRole('button', { name: 'Next →' }).click();
  await status.getByText('Points 41–45 of 45').waitFor();
  assert.ok(await page.getByRole('button', { name: 'Next →' }).isDisabled());

  await page.getByLabel('Filter').fill('cat == "odd" and n >= 10');
  await page.getByRole('button', { name: 'Apply' }).click();
  await status.getByText('Points 1–17 of 17 matching the filter').waitFor();
  await page.getByLabel('Filter').fill('cat == ');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('alert').filter({ hasText: 'filter' }).waitFor();
  // The browser logs the server's 400 answers (scroll and count) to the malformed filter.
  assert.ok(errors.length > 0);
  for (const e of errors.splice(0)) assert.match(e, /status of 400 \(Bad Request\)/);
  await page.getByLabel('Filter').fill('{"must": [{"key": "n", "match": {"value": 3}}]}');
  await page.getByRole('button', { name: 'Apply' }).click();
  await status.getByText('Points 1–1 of 1 matching the filter').waitFor();
  await page.getByRole('button', { name: 'Search similar to point 3' }).click();
  const similar = page.locator('section.similar');
  await similar.getByRole('heading', { name: 'Similar to point 3' }).waitFor();
  await similar.locator('tbody tr').first().waitFor();
  assert.equal(await similar.locator('tbody tr').count(), 10);
  assert.doesNotMatch(await similar.locator('tbody tr td:first-child').allInnerTexts()
    .then((t) => t.join(' ')), /\b3\b/);
  await page.getByRole('button', { name: 'Clear' }).click();
  await status.getByText('Points 1–20 of 45').waitFor();
  await shot('desktop-points');

  await gotoRoute(page, base, '/collections');
  const row = page.locator('tr', { has: page.getByRole('link', { name: 'items', exact: true }) });
  assert.match(await row.innerText(), /45/);
  assert.match(await row.innerText(), /4-d Cosine/);
  await shot('desktop-collections');
  await page.getByRole('button', { name: 'Delete collection items' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Collection items deleted').waitFor();
  await page.getByRole('link', { name: 'items', exact: true }).waitFor({ state: 'detached' });
  const names = (await api('GET', '/collections')).collections.map((c) => c.name);
  assert.ok(!names.includes('items'));
  assert.deepEqual(errors, []);
});

test('status: health, request and latency charts, points per collection', async () => {
  await page.getByRole('link', { name: 'Status' }).click();
  await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
  await page.getByText('healthz check passed').waitFor();
  await page.getByText('all shards are ready').waitFor();
  await page.locator('svg.chart').first().waitFor();
  assert.match(await page.getByRole('list', { name: 'Points per collection' }).innerText(),
               /kb\.docs/);
  assert.match(await page.getByRole('list', { name: /Requests by route/ }).innerText(),
               /\/ragdb\/kb/);
  // The rate chart draws a line once two samples were taken.
  await page.locator('svg.chart path.line').waitFor({ timeout: 10000 });
  await shot('desktop-status');
  assert.deepEqual(errors, []);
});

test('keyboard: reach the chat with Tab and Enter, and ask from the keyboard', async () => {
  await page.goto('about:blank');
  await page.goto(`${base}/console#/collections`);
  await page.waitForFunction(() => document.body.dataset.ready);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  let found = false;
  for (let i = 0; i < 10 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await page.evaluate(() => document.activeElement.textContent === 'Chat');
  }
  assert.ok(found, 'the Chat link is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Chat', level: 1 }).waitFor();
  await page.waitForFunction(() => document.activeElement.tagName === 'H1');
  // The question box takes focus on its own when the chat opens; focus the page's heading
  // again and Tab forward to it as a keyboard user would.
  let inQuestion = false;
  for (let i = 0; i < 8 && !inQuestion; i++) {
    await page.keyboard.press('Tab');
    inQuestion = await page.evaluate(() => document.activeElement.tagName === 'TEXTAREA');
  }
  assert.ok(inQuestion, 'the Question box is reachable with Tab');
  await page.keyboard.type('How do penguins keep the egg warm?');
  await page.keyboard.press('Enter');
  await page.getByRole('list', { name: 'Conversation' }).getByText(/feet/).last().waitFor();
  // Focus is always visible: the focused control has an outline.
  await page.keyboard.press('Shift+Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  assert.deepEqual(errors, []);
});

test('screenshots of every page at 1280x800 and at a phone size, with nothing overflowing', async () => {
  const docId = (await api('GET', '/ragdb/kb/docs/documents')).documents
    .find((d) => d.source === 'durability.md').doc_id;
  await api('PUT', '/collections/shapes', { vectors: { size: 3, distance: 'Euclid' } });
  await api('PUT', '/collections/shapes/points?wait=true', {
    points: [1, 2, 3].map((i) => ({ id: i, vector: [i, 0, 1], payload: { shape: `s${i}` } })) });
  const routes = [['collections', '/collections'], ['points', '/collections/shapes'],
                  ['kb-list', '/kb'], ['kb-docs', '/kb/docs'], ['kb-document', `/kb/docs/doc/${docId}`],
                  ['playground', '/playground'], ['chat', '/chat'], ['status', '/status']];
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    for (const [name, route] of routes) {
      await gotoRoute(page, base, route);
      if (name === 'chat') {
        await page.getByRole('textbox', { name: 'Question' }).fill('Why can penguins not fly?');
        await page.getByRole('button', { name: 'Send' }).click();
        await page.locator('.msg.assistant').last().locator('.sources').waitFor();
      }
      if (name === 'status') await page.locator('svg.chart path.line').waitFor();
      if (name === 'playground') {
        await page.getByLabel('Query').fill('segments compaction');
        await page.getByRole('button', { name: 'Search' }).click();
        await page.locator('li.result').first().waitFor();
      }
      await shot(`${label}-${name}`);
      if (size === PHONE) await assertNoSidewaysScroll(`${label} ${name}`);
    }
    await gotoRoute(page, base, `/kb/docs/doc/${docId}`);
    await page.getByRole('button', { name: 'Open chunk 1' }).click();
    await page.getByRole('dialog').getByText('Heading path').waitFor();
    await shot(`${label}-chunk-viewer`);
    if (size === PHONE) await assertNoSidewaysScroll(`${label} chunk viewer`);
    await page.keyboard.press('Escape');
  }
  await page.setViewportSize(DESKTOP);
  assert.deepEqual(errors, []);
});

test('authentication: the console asks for an API key, shows a 401 clearly, then works', async () => {
  const authDir = mkdtempSync(join(tmpdir(), 'ragdb-console-auth-'));
  const key = 'console-test-admin-key';
  const secured = await startServer(BIN, authDir, ['--admin-key', key]);
  const url = `http://127.0.0.1:${secured.port}`;
  const p = await browser.context.newPage();
  p.setDefaultTimeout(TIMEOUT);
  const authErrors = watchErrors(p);
  try {
    await p.goto(`${url}/console#/kb`);
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match(await p.getByRole('alert').innerText(), /requires an API key \(HTTP 401\)/);
    await p.screenshot({ path: join(OUT, 'desktop-signin.png'), fullPage: true });

    await p.getByLabel('API key').fill('not-the-key');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('alert').getByText(/not accepted \(HTTP 401: invalid API key\)/).waitFor();
    await p.setViewportSize(PHONE);
    await p.screenshot({ path: join(OUT, 'phone-signin-401.png'), fullPage: true });
    await p.setViewportSize(DESKTOP);

    await p.getByLabel('API key').fill(key);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Knowledge bases', level: 1 }).waitFor();
    // Every call now carries the key: create a knowledge base through the console.
    await p.getByText('New knowledge base').click();
    await p.getByLabel('Name').fill('secured');
    await p.getByRole('button', { name: 'Create knowledge base' }).click();
    await p.getByRole('heading', { name: 'secured', level: 1 }).waitFor();
    const r = await fetch(`${url}/ragdb/kb`, { headers: { 'api-key': key } });
    assert.deepEqual((await r.json()).result.knowledge_bases.map((k) => k.name), ['secured']);
    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    // The only errors the browser logged are the expected 401 answers.
    for (const e of authErrors) assert.match(e, /401 \(Unauthorized\)/, e);
    assert.ok(authErrors.length >= 1);
  } finally {
    await p.close();
    await stopServer(secured);
    rmSync(authDir, { recursive: true, force: true });
  }
});

test('documents: re-ingest a new version of a file, then delete a document', async () => {
  await gotoRoute(page, base, '/kb/docs');
  const table = page.locator('section[aria-labelledby=docs-title] table');
  const changed = join(files, 'durability-v2.md');
  writeFileSync(changed, `${DURABILITY}\n## Checksums\n\nEvery segment file ends with a CRC-32C ` +
                         'of its contents, checked when the file is opened.\n');
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Re-ingest durability.md' }).click(),
  ]);
  await chooser.setFiles(changed);
  await page.getByRole('list', { name: 'Uploads' }).getByText(/Updated: \d+ chunks/).waitFor();
  const doc = (await api('GET', '/ragdb/kb/docs/documents')).documents
    .find((d) => d.source === 'durability.md');
  assert.equal(doc.version, 2);
  const row = table.locator('tr', { has: page.getByRole('link', { name: 'durability.md', exact: true }) });
  await row.getByText('v2').waitFor();
  assert.equal((await row.locator('td').nth(2).innerText()).trim(), String(doc.chunks));

  await page.getByRole('button', { name: 'Delete penguins.txt' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('penguins.txt deleted').waitFor();
  await table.getByRole('link', { name: 'penguins.txt', exact: true }).waitFor({ state: 'detached' });
  const sources = (await api('GET', '/ragdb/kb/docs/documents')).documents.map((d) => d.source);
  assert.deepEqual(sources, ['durability.md']);
  assert.deepEqual(errors, []);
});
