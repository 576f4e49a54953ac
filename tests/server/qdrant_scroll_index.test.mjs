// Scroll ordered by a payload value (`order_by`) and payload index deletion over HTTP, with the
// official Qdrant JS client, against a reference computed in the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startServer, stopServer } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');

let dir;
let server;
let client;
let base;
// 60 points; price repeats (ties go in id order), point 7 has no price, point 9 two prices.
const points = Array.from({ length: 60 }, (_, i) => {
  const id = i + 1;
  const payload = { cat: id % 3 === 0 ? 'a' : 'b' };
  if (id !== 7) payload.price = id === 9 ? [2.5, 40] : (id * 37) % 23;
  return { id, vector: [Math.cos(id), Math.sin(id)], payload };
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-scroll-'));
  server = await startServer(BIN, dir);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
  await client.createCollection('shop', { vectors: { size: 2, distance: 'Cosine' } });
  await client.createPayloadIndex('shop', { field_name: 'price', field_schema: 'float', wait: true });
  await client.createPayloadIndex('shop', { field_name: 'cat', field_schema: 'keyword', wait: true });
  await client.upsert('shop', { wait: true, points });
});

after(async () => {
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

// (value, id) pairs in Qdrant's order: one entry per value, points without a price left out.
function reference(descending, startFrom) {
  const rows = [];
  for (const p of points) {
    if (p.payload.price === undefined) continue;
    for (const v of [].concat(p.payload.price)) rows.push([v, p.id]);
  }
  rows.sort((x, y) => (descending ? y[0] - x[0] : x[0] - y[0]) || x[1] - y[1]);
  if (startFrom === undefined) return rows;
  return rows.filter(([v]) => (descending ? v <= startFrom : v >= startFrom));
}

test('scroll order_by: ascending, descending, start_from, with a filter', async () => {
  let page = await client.scroll('shop', { order_by: 'price', limit: 100, with_payload: false });
  assert.deepEqual(page.points.map((p) => [p.order_value, p.id]), reference(false));
  assert.equal(page.next_page_offset ?? null, null);

  page = await client.scroll('shop', { order_by: { key: 'price', direction: 'desc' }, limit: 5 });
  assert.deepEqual(page.points.map((p) => [p.order_value, p.id]), reference(true).slice(0, 5));
  assert.deepEqual(page.points[0].payload, points[8].payload);  // point 9 holds the top price

  page = await client.scroll('shop', {
    order_by: { key: 'price', direction: 'asc', start_from: 10 }, limit: 7,
  });
  assert.deepEqual(page.points.map((p) => [p.order_value, p.id]), reference(false, 10).slice(0, 7));

  page = await client.scroll('shop', {
    order_by: 'price', limit: 100, filter: { must: [{ key: 'cat', match: { value: 'a' } }] },
  });
  const ids = page.points.map((p) => p.id);
  assert.ok(ids.length > 0 && ids.every((id) => id % 3 === 0), JSON.stringify(ids));
});

test('scroll order_by: bad requests get 400 / 501 naming the problem', async () => {
  const post = async (body) => {
    const r = await fetch(`${base}/collections/shop/points/scroll`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: r.status, error: (await r.json()).status.error };
  };
  let r = await post({ order_by: { key: 'price', direction: 'up' } });
  assert.equal(r.status, 400);
  assert.match(r.error, /direction/);
  r = await post({ order_by: { key: 'price', sort: 'asc' } });
  assert.equal(r.status, 400);
  assert.match(r.error, /order_by\.sort/);
  r = await post({ order_by: 'price', offset: 3 });
  assert.equal(r.status, 400);
  assert.match(r.error, /offset/);
  r = await post({ order_by: { key: 'price', start_from: '2024-01-01T00:00:00Z' } });
  assert.equal(r.status, 501);
  assert.match(r.error, /start_from/);
  r = await post({ order_by: {} });
  assert.equal(r.status, 400);
  assert.match(r.error, /key/);
});

test('delete a payload index: filters still answer the same, a second delete is a 404', async () => {
  const filter = { must: [{ key: 'cat', match: { value: 'a' } }] };
  const before = (await client.count('shop', { filter, exact: true })).count;
  assert.equal(before, 20);
  const r = await client.deletePayloadIndex('shop', 'cat', { wait: true });
  assert.equal(r.status, 'completed');
  const info = await client.getCollection('shop');
  assert.deepEqual(Object.keys(info.payload_schema ?? {}).sort(), ['price']);
  assert.equal((await client.count('shop', { filter, exact: true })).count, before);
  await assert.rejects(client.deletePayloadIndex('shop', 'cat'), (e) => e.status === 404);
});
