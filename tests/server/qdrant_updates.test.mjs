// Vector updates (PUT /points/vectors, /points/vectors/delete), batches of operations
// (/points/batch) and collection updates (PATCH /collections/{c}: index parameters rebuilt in the
// background while searches go on) over HTTP with the official Qdrant JS client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startServer, stopServer, sleep } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');

let dir;
let server;
let client;
let base;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-updates-'));
  server = await startServer(BIN, dir);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
});

after(async () => {
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

async function request(method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const j = await r.json();
  return { status: r.status, result: j.result, error: j.status?.error };
}

async function named() {
  await client.createCollection('two', {
    vectors: { a: { size: 3, distance: 'Dot' }, b: { size: 2, distance: 'Euclid' } },
  });
  await client.upsert('two', {
    wait: true,
    points: [1, 2, 3, 4].map((id) => ({
      id, vector: { a: [id, 0, 1], b: [id, id] }, payload: { id, keep: true },
    })),
  });
}

test('update and delete vectors: other vectors, payload stay; all or nothing', async () => {
  await named();
  let r = await client.updateVectors('two', { points: [{ id: 2, vector: { a: [9, 9, 9] } }, { id: 3, vector: { b: [0.5, 0.5] } }] });
  assert.equal(r.status, 'completed');
  let got = await client.retrieve('two', { ids: [2, 3], with_vector: true, with_payload: true });
  assert.deepEqual(got.map((p) => [p.id, p.vector.a, p.vector.b, p.payload.id]),
    [[2, [9, 9, 9], [2, 2], 2], [3, [3, 0, 1], [0.5, 0.5], 3]]);
  // The new vector is what searches see.
  const hits = await client.search('two', { vector: { name: 'a', vector: [1, 1, 1] }, limit: 1 });
  assert.equal(hits[0].id, 2);

  // A missing point or a wrong dimension changes nothing.
  r = await request('PUT', '/collections/two/points/vectors', { points: [{ id: 1, vector: { a: [7, 7, 7] } }, { id: 99, vector: { a: [1, 1, 1] } }] });
  assert.equal(r.status, 404);
  assert.match(r.error, /99/);
  r = await request('PUT', '/collections/two/points/vectors', { points: [{ id: 1, vector: { a: [7, 7] } }] });
  assert.equal(r.status, 400);
  assert.match(r.error, /dimension/);
  r = await request('PUT', '/collections/two/points/vectors', { points: [{ id: 1, vectors: { a: [7, 7, 7] } }] });
  assert.equal(r.status, 400);
  assert.match(r.error, /points\[0\]\.vectors/);
  got = await client.retrieve('two', { ids: [1], with_vector: true });
  assert.deepEqual(got[0].vector.a, [1, 0, 1]);

  r = await client.deleteVectors('two', { points: [1, 4], vector: ['b'] });
  assert.equal(r.status, 'completed');
  got = await client.retrieve('two', { ids: [1, 4], with_vector: true, with_payload: true });
  assert.deepEqual(got.map((p) => [Object.keys(p.vector).sort(), p.payload.keep]), [[['a'], true], [['a'], true]]);
  r = await client.deleteVectors('two', { filter: { must: [{ key: 'id', match: { value: 2 } }] }, vector: ['a'] });
  got = await client.retrieve('two', { ids: [2], with_vector: true });
  assert.deepEqual(Object.keys(got[0].vector), ['b']);
  r = await request('POST', '/collections/two/points/vectors/delete', { points: [3], vector: ['c'] });
  assert.equal(r.status, 400);
  assert.match(r.error, /c/);
  r = await request('POST', '/collections/two/points/vectors/delete', { points: [3] });
  assert.equal(r.status, 400);
  assert.match(r.error, /vector/);
});

test('points/batch: operations apply in order; a failing one stops the batch and is named', async () => {
  await client.createCollection('ops', { vectors: { size: 2, distance: 'Cosine' } });
  const res = await client.batchUpdate('ops', {
    operations: [
      { upsert: { points: [{ id: 1, vector: [1, 0], payload: { a: 1 } }, { id: 2, vector: [0, 1], payload: { a: 2 } }] } },
      { upsert: { batch: { ids: [3], vectors: [[1, 1]], payloads: [{ a: 3 }] } } },
      { set_payload: { payload: { b: true }, points: [1, 3] } },
      { overwrite_payload: { payload: { c: 'x' }, points: [2] } },
      { delete_payload: { keys: ['a'], points: [1] } },
      { update_vectors: { points: [{ id: 3, vector: [0, 1] }] } },
      { delete: { points: [2] } },
      { clear_payload: { filter: { must: [{ key: 'a', match: { value: 3 } }] } } },
    ],
  });
  assert.equal(res.length, 8);
  assert.ok(res.every((r) => r.status === 'completed'));
  let got = await client.retrieve('ops', { ids: [1, 2, 3], with_vector: true });
  assert.deepEqual(got.map((p) => [p.id, p.payload]), [[1, { b: true }], [3, {}]]);
  assert.deepEqual(got[1].vector, [0, 1]);

  // The second operation fails: the first stays applied, the third does not run.
  const r = await request('POST', '/collections/ops/points/batch', {
    operations: [
      { upsert: { points: [{ id: 10, vector: [1, 0] }] } },
      { upsert: { points: [{ id: 11, vector: [1, 0, 0] }] } },
      { upsert: { points: [{ id: 12, vector: [1, 0] }] } },
    ],
  });
  assert.equal(r.status, 400);
  assert.match(r.error, /operations\[1\]\.upsert/);
  got = await client.retrieve('ops', { ids: [10, 11, 12] });
  assert.deepEqual(got.map((p) => p.id), [10]);

  // Shapes are checked before anything runs.
  for (const [body, pattern] of [
    [{ operations: [{ upsert: { points: [{ id: 20, vector: [1, 0] }] } }, { upsert_points: {} }] }, /upsert_points/],
    [{ operations: [{ upsert: {}, delete: {} }] }, /operations\[0\]/],
    [{ operations: {} }, /operations/],
    [{ ops: [] }, /ops/],
  ]) {
    const bad = await request('POST', '/collections/ops/points/batch', body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.match(bad.error, pattern);
  }
  assert.equal((await client.retrieve('ops', { ids: [20] })).length, 0);
});

test('PATCH a collection: HNSW and quantization rebuilt in the background, searches go on', async () => {
  const dim = 16;
  const n = 3000;
  await client.createCollection('big', {
    vectors: { size: dim, distance: 'Euclid' }, hnsw_config: { m: 0 },  // exact to start with
  });
  const rand = (() => { let s = 7; return () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; }; })();
  const pts = Array.from({ length: n }, (_, i) => ({ id: i + 1, vector: Array.from({ length: dim }, rand) }));
  for (let i = 0; i < n; i += 1000) await client.upsert('big', { wait: true, points: pts.slice(i, i + 1000) });
  // Seal the rows into a segment (ragdb's extension), so that there is an index to rebuild.
  assert.equal((await request('POST', '/ragdb/collections/big/optimize', {})).status, 200);
  const q = pts[5].vector;
  assert.equal((await client.getCollection('big')).indexed_vectors_count, 0);
  const exact = (await client.query('big', { query: q, limit: 10, params: { exact: true } })).points.map((p) => p.id);

  // Searches run all along the change; none may fail or miss the nearest point.
  let stop = false;
  let searches = 0;
  const loop = (async () => {
    while (!stop) {
      const r = await client.query('big', { query: q, limit: 10 });
      assert.equal(r.points[0].id, 6);
      searches += 1;
    }
  })();
  let r = await client.updateCollection('big', {
    hnsw_config: { m: 12, ef_construct: 64 },
    quantization_config: { scalar: { type: 'int8' } },
    optimizers_config: { indexing_threshold: 10 },
  });
  assert.equal(r, true);
  let info = await client.getCollection('big');
  assert.equal(info.config.hnsw_config.m, 12);
  assert.equal(info.config.hnsw_config.ef_construct, 64);
  assert.deepEqual(info.config.quantization_config.scalar.type, 'int8');
  assert.equal(info.config.optimizer_config.indexing_threshold, 10);
  for (let i = 0; i < 600 && info.status !== 'green'; i++) {
    await sleep(100);
    info = await client.getCollection('big');
  }
  assert.equal(info.status, 'green');
  assert.equal(info.indexed_vectors_count, n);
  stop = true;
  await loop;
  assert.ok(searches > 0);
  const approx = (await client.query('big', { query: q, limit: 10, params: { hnsw_ef: 128 } })).points.map((p) => p.id);
  assert.ok(approx.filter((id) => exact.includes(id)).length >= 9, JSON.stringify([approx, exact]));

  // Per vector field, and switching quantization off.
  r = await client.updateCollection('big', { vectors: { '': { quantization_config: 'Disabled' } } });
  assert.equal(r, true);
  info = await client.getCollection('big');
  assert.equal(info.config.quantization_config, null);

  // The change survives a restart.
  await stopServer(server);
  server = await startServer(BIN, dir);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
  info = await client.getCollection('big');
  assert.equal(info.config.hnsw_config.m, 12);
  assert.equal(info.config.quantization_config, null);
});

test('PATCH a collection: bad input is refused and changes nothing', async () => {
  const cases = [
    [{ vectors: { nope: { hnsw_config: { m: 8 } } } }, 400, /nope/],
    [{ hnsw_config: { payload_m: 4 } }, 501, /payload_m/],
    [{ hnsw_config: { m: 8, colour: 1 } }, 400, /hnsw_config\.colour/],
    [{ quantization_config: { product: { compression: 'x5' } } }, 400, /compression/],
    [{ quantization_config: { turbo: {} } }, 400, /turbo/],
    [{ sparse_vectors: {} }, 501, /sparse_vectors/],
    [{ optimizers_config: { indexing_threshold: -1 } }, 400, /indexing_threshold/],
    [{ vectors: { '': { size: 4 } } }, 400, /vectors\.\.size|size/],
  ];
  for (const [body, status, pattern] of cases) {
    const r = await request('PATCH', '/collections/big', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.match(r.error, pattern);
  }
  const info = await client.getCollection('big');
  assert.equal(info.config.hnsw_config.m, 12);
  // Optimizer knobs ragdb has no counterpart for are accepted with a warning header.
  const w = await fetch(`${base}/collections/big`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ optimizers_config: { deleted_threshold: 0.5 } }),
  });
  assert.equal(w.status, 200);
  assert.match(w.headers.get('warning') ?? '', /deleted_threshold/);
});

test('binary quantization: created and PATCHed through the Qdrant API, searches re-scored exactly', async () => {
  const dim = 128;
  const n = 2000;
  await client.createCollection('bq', {
    vectors: { size: dim, distance: 'Cosine' },
    quantization_config: { binary: { always_ram: true, encoding: 'one_bit', query_encoding: 'default' } },
  });
  let info = await client.getCollection('bq');
  assert.equal(info.config.quantization_config.binary.encoding, 'one_bit');
  let s = 11;
  const rand = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; };
  // Clustered rows: 20 centres, each row a centre plus noise.
  const centres = Array.from({ length: 20 }, () => Array.from({ length: dim }, rand));
  const pts = Array.from({ length: n }, (_, i) => ({
    id: i + 1, vector: centres[i % 20].map((c) => c + 0.3 * rand()),
  }));
  for (let i = 0; i < n; i += 500) await client.upsert('bq', { wait: true, points: pts.slice(i, i + 500) });
  assert.equal((await request('POST', '/ragdb/collections/bq/optimize', {})).status, 200);
  info = await client.getCollection('bq');
  assert.equal(info.indexed_vectors_count, n);
  let hit = 0;
  for (let i = 0; i < 20; i++) {
    const q = pts[i * 37].vector.map((v, j) => v + 0.1 * Math.sin(i + j));
    const exact = (await client.query('bq', { query: q, limit: 10, params: { exact: true } })).points;
    const got = (await client.query('bq', { query: q, limit: 10, params: { hnsw_ef: 128 } })).points;
    hit += got.filter((p) => exact.some((e) => e.id === p.id)).length;
    // Scores are the exact cosines, not code distances.
    for (const p of got) {
      const e = exact.find((x) => x.id === p.id);
      if (e) assert.ok(Math.abs(e.score - p.score) < 1e-5);
    }
  }
  assert.ok(hit / 200 >= 0.9, `recall ${hit / 200}`);

  let r = await request('PUT', '/collections/bq2', {
    vectors: { size: 4, distance: 'Dot' }, quantization_config: { binary: { encoding: 'two_bits' } },
  });
  assert.equal(r.status, 501);
  assert.match(r.error, /encoding/);
  r = await request('PUT', '/collections/bq2', {
    vectors: { size: 4, distance: 'Dot' }, quantization_config: { binary: { query_encoding: 'scalar8bits' } },
  });
  assert.equal(r.status, 501);
  assert.match(r.error, /query_encoding/);
  // Switched to scalar and back off by PATCH.
  assert.equal(await client.updateCollection('bq', { quantization_config: { scalar: { type: 'int8' } } }), true);
  assert.equal((await client.getCollection('bq')).config.quantization_config.scalar.type, 'int8');
});

test('product quantization: compression xN gives HNSW PQ codes, searches re-scored exactly', async () => {
  const dim = 64;
  const n = 2000;
  await client.createCollection('pq', {
    vectors: { size: dim, distance: 'Euclid' },
    quantization_config: { product: { compression: 'x16', always_ram: true } },
  });
  let info = await client.getCollection('pq');
  assert.equal(info.config.quantization_config.product.compression, 'x16');
  assert.ok(info.config.hnsw_config.m > 0);
  let s = 5;
  const rand = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; };
  const centres = Array.from({ length: 20 }, () => Array.from({ length: dim }, rand));
  const pts = Array.from({ length: n }, (_, i) => ({
    id: i + 1, vector: centres[i % 20].map((c) => c + 0.3 * rand()),
  }));
  for (let i = 0; i < n; i += 500) await client.upsert('pq', { wait: true, points: pts.slice(i, i + 500) });
  assert.equal((await request('POST', '/ragdb/collections/pq/optimize', {})).status, 200);
  info = await client.getCollection('pq');
  assert.equal(info.indexed_vectors_count, n);
  let hit = 0;
  for (let i = 0; i < 20; i++) {
    const q = pts[i * 37].vector.map((v, j) => v + 0.1 * Math.sin(i + j));
    const exact = (await client.query('pq', { query: q, limit: 10, params: { exact: true } })).points;
    const got = (await client.query('pq', { query: q, limit: 10, params: { hnsw_ef: 128 } })).points;
    hit += got.filter((p) => exact.some((e) => e.id === p.id)).length;
    // Scores are the exact distances, not code estimates.
    for (const p of got) {
      const e = exact.find((x) => x.id === p.id);
      if (e) assert.ok(Math.abs(e.score - p.score) < 1e-4);
    }
  }
  assert.ok(hit / 200 >= 0.9, `recall ${hit / 200}`);
  const r = await request('PUT', '/collections/pq2', {
    vectors: { size: 8, distance: 'Dot' }, quantization_config: { product: { compression: 'x3' } },
  });
  assert.equal(r.status, 400);
  assert.match(r.error, /compression/);
  // PATCHed to another compression, and back off.
  assert.equal(await client.updateCollection('pq', { quantization_config: { product: { compression: 'x8' } } }), true);
  assert.equal((await client.getCollection('pq')).config.quantization_config.product.compression, 'x8');
  assert.equal(await client.updateCollection('pq', { quantization_config: 'Disabled' }), true);
  assert.equal((await client.getCollection('pq')).config.quantization_config, null);
});
