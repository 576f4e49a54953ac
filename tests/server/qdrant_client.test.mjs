// Black-box test of `ragdb serve` with the official Qdrant JS client (@qdrant/js-client-rest).
// Run: RAGDB_BIN=build/ragdb node --test tests/server/   (tests/server/run.sh does this)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startServer as startRagdb, sleep } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');

// The qdrant tests pass extra environment on top of this process's.
const startServer = (dir, extraArgs = [], env = {}) =>
  startRagdb(BIN, dir, extraArgs, { ...process.env, ...env });

function vec(i) {
  // Deterministic 4-d vectors spread over directions.
  return [Math.cos(i), Math.sin(i), Math.cos(i / 3), 0.5 + (i % 5) / 10];
}
const COLORS = ['red', 'green', 'blue'];

let dir;
let server;
let client;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-node-'));
  server = await startServer(dir);
  client = new QdrantClient({ url: `http://127.0.0.1:${server.port}`, checkCompatibility: true });
});

after(async () => {
  if (server) {
    server.proc.kill('SIGTERM');
    const { code } = await server.exited;
    assert.equal(code, 0, 'graceful shutdown exits 0');
    assert.match(server.stderr(), /local single-user mode/);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('collections, upsert, index, query, fusion, scroll, count, delete, snapshots', async () => {
  await client.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } });
  assert.equal((await client.collectionExists('docs')).exists, true);
  const list = await client.getCollections();
  assert.deepEqual(list.collections.map((c) => c.name), ['docs']);

  // Upsert: list form (ids 1..30) and batch form (ids 31..40), all with payloads.
  const points = [];
  for (let i = 1; i <= 30; i++) {
    points.push({ id: i, vector: vec(i), payload: { color: COLORS[i % 3], n: i } });
  }
  const up = await client.upsert('docs', { wait: true, points });
  assert.equal(up.status, 'completed');
  const ids = [];
  const vectors = [];
  const payloads = [];
  for (let i = 31; i <= 40; i++) {
    ids.push(i);
    vectors.push(vec(i));
    payloads.push({ color: COLORS[i % 3], n: i });
  }
  await client.upsert('docs', { wait: true, batch: { ids, vectors, payloads } });

  const info = await client.getCollection('docs');
  assert.equal(info.status, 'green');
  assert.equal(info.points_count, 40);
  assert.equal(info.config.params.vectors.size, 4);
  assert.equal(info.config.params.vectors.distance, 'Cosine');

  await client.createPayloadIndex('docs', { field_name: 'color', field_schema: 'keyword', wait: true });
  const info2 = await client.getCollection('docs');
  assert.equal(info2.payload_schema.color.data_type, 'keyword');

  // Retrieve.
  const got = await client.retrieve('docs', { ids: [1, 2], with_payload: true, with_vector: true });
  assert.equal(got.length, 2);
  assert.equal(got[0].payload.n, 1);
  assert.equal(got[0].vector.length, 4);

  // Filtered query: only red points, best first, with payloads.
  const red = { must: [{ key: 'color', match: { value: 'red' } }] };
  const q = await client.query('docs', { query: vec(3), filter: red, limit: 5, with_payload: true });
  assert.equal(q.points.length, 5);
  for (const p of q.points) assert.equal(p.payload.color, 'red');
  assert.equal(q.points[0].id, 3, 'the point with the query vector itself comes first');
  assert.ok(q.points[0].score > 0.999);
  for (let i = 1; i < q.points.length; i++) assert.ok(q.points[i - 1].score >= q.points[i].score);

  // Prefetch + RRF, checked against the two plain lists with Qdrant's formula 1/(rank + 2).
  const qa = vec(7);
  const qb = vec(20);
  const la = (await client.query('docs', { query: qa, limit: 10 })).points;
  const lb = (await client.query('docs', { query: qb, filter: red, limit: 10 })).points;
  const expected = new Map();
  for (const l of [la, lb]) {
    l.forEach((p, rank) => expected.set(p.id, (expected.get(p.id) ?? 0) + 1 / (rank + 2)));
  }
  const fused = await client.query('docs', {
    prefetch: [{ query: qa, limit: 10 }, { query: qb, filter: red, limit: 10 }],
    query: { fusion: 'rrf' },
    limit: 5,
    with_payload: true,
  });
  assert.equal(fused.points.length, 5);
  const best = [...expected.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
  for (let i = 0; i < 5; i++) {
    assert.ok(Math.abs(fused.points[i].score - best[i][1]) < 1e-6, `rrf score ${i}`);
  }
  assert.equal(fused.points[0].id, best[0][0]);
  assert.ok(fused.points[0].payload.color);

  // Scroll through everything in pages of 7.
  const seen = [];
  let offset;
  do {
    const page = await client.scroll('docs', { limit: 7, offset, with_payload: false });
    for (const p of page.points) seen.push(p.id);
    offset = page.next_page_offset ?? undefined;
  } while (offset !== undefined);
  assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => i + 1));

  // Count, then delete by filter.
  const blue = { must: [{ key: 'color', match: { value: 'blue' } }] };
  const nBlue = (await client.count('docs', { filter: blue, exact: true })).count;
  assert.equal(nBlue, 13);  // i % 3 == 2 for i in 1..40
  await client.delete('docs', { wait: true, filter: blue });
  assert.equal((await client.count('docs', { filter: blue })).count, 0);
  assert.equal((await client.count('docs', {})).count, 27);

  // Snapshot, change, recover.
  const snap = await client.createSnapshot('docs');
  assert.match(snap.name, /\.snapshot$/);
  assert.equal(snap.checksum.length, 64);
  const snaps = await client.listSnapshots('docs');
  assert.ok(snaps.some((s) => s.name === snap.name));
  await client.delete('docs', { wait: true, points: [1, 3, 4] });  // 2 is blue, gone already
  assert.equal((await client.count('docs', {})).count, 24);
  const ok = await client.recoverSnapshot('docs', {
    location: `file://${join(dir, 'snapshots', 'docs', snap.name)}`,
  });
  assert.equal(ok, true);
  assert.equal((await client.count('docs', {})).count, 27);
  const back = await client.retrieve('docs', { ids: [1], with_payload: true });
  assert.equal(back[0].payload.n, 1);

  // Errors come back as the client's ApiError with Qdrant's status codes.
  await assert.rejects(client.getCollection('missing'), (e) => e.status === 404);
  await assert.rejects(  // no BM25 field in this collection
    client.query('docs', { query: { text: 'hello', model: 'qdrant/bm25' } }),
    (e) => e.status === 400,
  );
  await assert.rejects(
    client.query('docs', { query: { formula: { sum: [1] } } }),
    (e) => e.status === 501,
  );
  await assert.rejects(
    client.upsert('docs', { points: [{ id: 'not-a-uuid', vector: vec(1) }] }),
    (e) => e.status === 400,
  );
});

test('hybrid: dense + BM25 (qdrant/bm25 documents) fused with RRF', async () => {
  await client.createCollection('hy', {
    vectors: { dense: { size: 4, distance: 'Cosine' } },
    sparse_vectors: { bm25: { modifier: 'idf' } },
  });
  const texts = ['red apples and green pears', 'a fast red car', 'slow green turtles',
    'apples fall far from trees', 'cars and trucks on roads'];
  await client.upsert('hy', {
    wait: true,
    points: texts.map((t, i) => ({
      id: i + 1,
      vector: { dense: vec(i + 1), bm25: { text: t, model: 'qdrant/bm25' } },
      payload: { t },
    })),
  });
  const bm = await client.query('hy', {
    query: { text: 'apples', model: 'qdrant/bm25' }, using: 'bm25', with_payload: true,
  });
  assert.deepEqual(bm.points.map((p) => p.id).sort(), [1, 4]);
  for (const p of bm.points) assert.match(p.payload.t, /apples/);
  const dense = (await client.query('hy', { query: vec(4), using: 'dense', limit: 5 })).points;
  const fused = await client.query('hy', {
    prefetch: [
      { query: vec(4), using: 'dense', limit: 5 },
      { query: { text: 'apples', model: 'qdrant/bm25' }, using: 'bm25', limit: 5 },
    ],
    query: { fusion: 'rrf' },
    limit: 3,
  });
  // Point 4 is the dense nearest (its own vector) and a BM25 hit: it must win.
  assert.equal(dense[0].id, 4);
  assert.equal(fused.points[0].id, 4);
  assert.ok(fused.points[0].score > 0.5);
});

test('every acknowledged point survives kill -9 during an upsert stream', async () => {
  const d = mkdtempSync(join(tmpdir(), 'ragdb-kill-'));
  try {
    let s = await startServer(d);
    let c = new QdrantClient({ url: `http://127.0.0.1:${s.port}`, checkCompatibility: false });
    await c.createCollection('k', { vectors: { size: 4, distance: 'Dot' } });
    const acked = [];
    let stop = false;
    const writer = async (w) => {
      for (let i = 0; !stop && i < 100000; i++) {
        const id = w * 1000000 + i;
        try {
          await c.upsert('k', { wait: true, points: [{ id, vector: vec(id), payload: { w, i } }] });
          acked.push(id);
        } catch {
          return;  // the server died: this write is not acknowledged
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await sleep(1500);
    s.proc.kill('SIGKILL');
    await s.exited;
    stop = true;
    await Promise.all(writers);
    assert.ok(acked.length > 10, `only ${acked.length} writes acknowledged`);

    s = await startServer(d);
    c = new QdrantClient({ url: `http://127.0.0.1:${s.port}`, checkCompatibility: false });
    for (let i = 0; i < acked.length; i += 500) {
      const batch = acked.slice(i, i + 500);
      const got = await c.retrieve('k', { ids: batch, with_payload: true });
      assert.equal(got.length, batch.length, 'an acknowledged point is missing after kill -9');
    }
    s.proc.kill('SIGTERM');
    assert.equal((await s.exited).code, 0);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('API keys: 401 without, 403 for read-only writes, tenants isolated', async () => {
  const d = mkdtempSync(join(tmpdir(), 'ragdb-auth-'));
  try {
    const s = await startServer(d, [], { RAGDB_ADMIN_KEY: 'admin-secret' });
    const url = `http://127.0.0.1:${s.port}`;
    const anon = new QdrantClient({ url, checkCompatibility: false });
    await assert.rejects(anon.getCollections(), (e) => e.status === 401);
    const admin = new QdrantClient({ url, apiKey: 'admin-secret', checkCompatibility: false });
    await admin.createCollection('shared', { vectors: { size: 4, distance: 'Cosine' } });

    const call = async (method, path, body) => {
      const r = await fetch(url + path, {
        method,
        headers: { 'api-key': 'admin-secret', 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, json: await r.json() };
    };
    assert.equal((await call('POST', '/ragdb/tenants', { name: 'acme' })).status, 200);
    const rw = await call('POST', '/ragdb/tenants/acme/keys', { role: 'read-write' });
    assert.equal(rw.json.status, 'ok');
    const ro = await call('POST', '/ragdb/tenants/acme/keys', { role: 'read-only' });
    const acme = new QdrantClient({ url, apiKey: rw.json.result.key, checkCompatibility: false });
    const acmeRo = new QdrantClient({ url, apiKey: ro.json.result.key, checkCompatibility: false });

    await assert.rejects(acme.getCollection('shared'), (e) => e.status === 404);
    await acme.createCollection('mine', { vectors: { size: 4, distance: 'Cosine' } });
    await acme.upsert('mine', { wait: true, points: [{ id: 1, vector: vec(1) }] });
    assert.equal((await acmeRo.count('mine', {})).count, 1);
    await assert.rejects(
      acmeRo.upsert('mine', { points: [{ id: 2, vector: vec(2) }] }),
      (e) => e.status === 403,
    );
    assert.deepEqual((await admin.getCollections()).collections.map((c) => c.name), ['shared']);
    s.proc.kill('SIGTERM');
    assert.equal((await s.exited).code, 0);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
