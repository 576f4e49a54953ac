// Multi-vector fields (ColBERT / ColPali style) over HTTP: `multivector_config` with the max_sim
// comparator, points holding a matrix, Query API searches by a query matrix (or a point's
// matrix), prefetch + re-scoring with MaxSim, filters, retrieve, vector updates, restart; every
// ranking compared with a brute-force MaxSim computed here. A ColBERT model (the random-weight
// fixture of the model tests, installed with `ragdb model add`) fills a field from text
// documents and embeds text queries, ranked as the MaxSim of `ragdb embed` matrices.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import { rng } from '../lib/random.mjs';
import { startServer, stopServer } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models',
  'bert_tiny_colbert');

const DIM = 8;
const N = 200;

const rand = rng(7);
const vector = (d = DIM) => Array.from({ length: d }, () => rand() * 2 - 1);
const matrix = (rows, d = DIM) => Array.from({ length: rows }, () => vector(d));
const unit = (v) => { const n = Math.hypot(...v); return v.map((x) => x / n); };
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
// MaxSim: for each query vector its best dot product with the document's, summed.
const maxSim = (q, d, cosine) => {
  const qq = cosine ? q.map(unit) : q;
  const dd = cosine ? d.map(unit) : d;
  return qq.reduce((s, a) => s + Math.max(...dd.map((b) => dot(a, b))), 0);
};

const points = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  vector: { dense: vector(), colbert: matrix(1 + (i % 9)), dots: matrix(1 + (i % 3), 4) },
  payload: { group: i % 4 },
}));
const byId = new Map(points.map((p) => [p.id, p]));

let dir;
let server;
let client;
let base;
let env;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-multivector-'));
  env = { ...process.env, RAGDB_MODEL_CACHE: join(dir, 'models') };
  execFileSync(BIN, ['model', 'add', 'tiny-colbert', FIXTURE], { env, stdio: 'pipe' });
  server = await startServer(BIN, join(dir, 'data'), [], env);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
});

after(async () => {
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

async function call(path, body, method = 'POST') {
  const r = await fetch(`${base}${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const j = await r.json();
  return { status: r.status, result: j.result, error: j.status?.error };
}

function reference(field, q, k, filter = () => true, exclude = []) {
  const cosine = field === 'colbert';
  return points.filter((p) => filter(p) && !exclude.includes(p.id))
    .map((p) => ({ id: p.id, score: maxSim(q, byId.get(p.id).vector[field], cosine) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k);
}

function assertRanking(hits, ref, what) {
  assert.equal(hits.length, ref.length, `${what}: ${hits.length} hits, expected ${ref.length}`);
  hits.forEach((h, i) => {
    assert.ok(Math.abs(h.score - ref[i].score) < 1e-4, `${what}[${i}]: ${h.score} vs ${ref[i].score}`);
    if (h.id !== ref[i].id) assert.ok(Math.abs(ref[i].score - hits[i].score) < 1e-5, `${what}: id`);
  });
}

test('multivector_config: create, describe, upsert matrices, MaxSim queries match the reference', async () => {
  await client.createCollection('mv', {
    vectors: {
      dense: { size: DIM, distance: 'Cosine' },
      colbert: { size: DIM, distance: 'Cosine', multivector_config: { comparator: 'max_sim' } },
      dots: { size: 4, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
    },
  });
  const info = await client.getCollection('mv');
  assert.deepEqual(info.config.params.vectors.colbert.multivector_config, { comparator: 'max_sim' });
  assert.equal(info.config.params.vectors.dots.distance, 'Dot');
  assert.equal(info.config.params.vectors.dense.multivector_config, undefined);
  await client.createPayloadIndex('mv', { field_name: 'group', field_schema: 'integer', wait: true });
  for (let i = 0; i < N; i += 50) {
    await client.upsert('mv', { wait: true, points: points.slice(i, i + 50) });
  }

  for (const field of ['colbert', 'dots']) {
    for (const rows of [1, 3, 7]) {
      const q = matrix(rows, field === 'dots' ? 4 : DIM);
      const got = await client.query('mv', { query: q, using: field, limit: 10 });
      assertRanking(got.points, reference(field, q, 10), `${field} x${rows}`);
      const filtered = await client.query('mv', {
        query: q, using: field, limit: 5, filter: { must: [{ key: 'group', match: { value: 2 } }] },
      });
      assertRanking(filtered.points, reference(field, q, 5, (p) => p.payload.group === 2),
        `${field} filtered`);
    }
  }
  // {"nearest": matrix}, offset and score_threshold.
  const q = matrix(4);
  const ref = reference('colbert', q, 8);
  const page = await client.query('mv', {
    query: { nearest: q }, using: 'colbert', limit: 3, offset: 2, score_threshold: ref[4].score - 1e-6,
  });
  assertRanking(page.points, ref.slice(2, 5), 'offset');
  // A point id as the query: its own matrix, the point itself left out.
  const byPoint = await client.query('mv', { query: 17, using: 'colbert', limit: 5 });
  assertRanking(byPoint.points, reference('colbert', byId.get(17).vector.colbert, 5, () => true, [17]),
    'by point');
});

test('prefetch on the dense field, re-scored by MaxSim (the ColBERT re-ranking recipe)', async () => {
  const dq = vector();
  const q = matrix(5);
  const got = await client.query('mv', {
    prefetch: { query: dq, using: 'dense', limit: 40 },
    query: q, using: 'colbert', limit: 10, with_payload: true,
  });
  const candidates = points.map((p) => ({ id: p.id, s: dot(unit(p.vector.dense), unit(dq)) }))
    .sort((a, b) => b.s - a.s).slice(0, 40).map((c) => c.id);
  const ref = reference('colbert', q, 10, (p) => candidates.includes(p.id));
  assertRanking(got.points, ref, 'rerank');
  assert.equal(got.points[0].payload.group, byId.get(got.points[0].id).payload.group);
});

test('retrieve and search return the stored matrices; vector updates and deletes; restart keeps them', async () => {
  const [p] = await client.retrieve('mv', { ids: [5], with_vector: true });
  assert.equal(p.vector.dots.length, byId.get(5).vector.dots.length);
  p.vector.dots.forEach((v, i) => v.forEach((x, k) =>
    assert.ok(Math.abs(x - byId.get(5).vector.dots[i][k]) < 1e-6)));
  // Cosine matrices are stored unit length.
  p.vector.colbert.forEach((v) => assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5));

  const hits = await client.query('mv', { query: matrix(2, 4), using: 'dots', limit: 2, with_vector: ['dots'] });
  assert.equal(hits.points[0].vector.dots.length, byId.get(hits.points[0].id).vector.dots.length);

  // PUT /points/vectors replaces one matrix; the others stay.
  const fresh = matrix(2, 4);
  let r = await call('/collections/mv/points/vectors?wait=true', { points: [{ id: 9, vector: { dots: fresh } }] }, 'PUT');
  assert.equal(r.status, 200, r.error);
  byId.get(9).vector.dots = fresh;
  r = await call('/collections/mv/points/vectors/delete?wait=true', { points: [10], vector: ['colbert'] });
  assert.equal(r.status, 200, r.error);
  const [ten] = await client.retrieve('mv', { ids: [10], with_vector: true });
  assert.equal(ten.vector.colbert, undefined);
  assert.equal(ten.vector.dots.length, byId.get(10).vector.dots.length);
  const without10 = (q) => reference('colbert', q, 10, (pt) => pt.id !== 10);

  await stopServer(server);
  server = await startServer(BIN, join(dir, 'data'), [], env);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
  const q = matrix(3);
  const got = await client.query('mv', { query: q, using: 'colbert', limit: 10 });
  assertRanking(got.points, without10(q), 'after restart');
  const q4 = matrix(2, 4);
  const gotDots = await client.query('mv', { query: q4, using: 'dots', limit: 10 });
  assertRanking(gotDots.points, reference('dots', q4, 10), 'after restart (dots)');
});

test('an unnamed multi-vector collection uses the plain array-of-arrays form', async () => {
  await client.createCollection('plain', {
    vectors: { size: 3, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
  });
  const info = await client.getCollection('plain');
  assert.equal(info.config.params.vectors.size, 3);
  assert.deepEqual(info.config.params.vectors.multivector_config, { comparator: 'max_sim' });
  await client.upsert('plain', {
    wait: true,
    points: [{ id: 1, vector: [[1, 0, 0], [0, 1, 0]] }, { id: 2, vector: [[0.5, 0.5, 0]] }],
  });
  const got = await client.query('plain', { query: [[1, 0, 0], [0, 1, 0]] });
  assert.deepEqual(got.points.map((p) => p.id), [1, 2]);
  assert.ok(Math.abs(got.points[0].score - 2) < 1e-6 && Math.abs(got.points[1].score - 1) < 1e-6);
  const [p] = await client.retrieve('plain', { ids: [1], with_vector: true });
  assert.deepEqual(p.vector, [[1, 0, 0], [0, 1, 0]]);
});

test('hnsw_config on a multi-vector field: a token index in sealed segments, exact scores', async () => {
  await client.createCollection('mvh', {
    vectors: {
      colbert: { size: DIM, distance: 'Cosine', multivector_config: { comparator: 'max_sim' },
        hnsw_config: { m: 16, ef_construct: 64 } },
    },
  });
  const info = await client.getCollection('mvh');
  assert.deepEqual(info.config.params.vectors.colbert.hnsw_config, { m: 16, ef_construct: 64 });
  const docs = new Map(Array.from({ length: 300 }, (_, i) => [i + 1, matrix(2 + (i % 9))]));
  await client.upsert('mvh', {
    wait: true, points: [...docs].map(([id, m]) => ({ id, vector: { colbert: m } })),
  });
  const top = (q) => [...docs].map(([id, m]) => ({ id, score: maxSim(q, m, true) }))
    .sort((x, y) => y.score - x.score || x.id - y.id).slice(0, 10);
  // Sealing builds the token index (1,800 token vectors: enough for one).
  const opt = await call('/ragdb/collections/mvh/optimize', {});
  assert.equal(opt.status, 200, opt.error);
  assert.ok(JSON.stringify(opt.result).includes('hnsw tokens:colbert'), JSON.stringify(opt.result));
  let found = 0;
  for (let t = 0; t < 10; ++t) {
    const q = matrix(1 + (t % 4));
    const want = top(q);
    const got = await client.query('mvh', { query: q, using: 'colbert', limit: 10 });
    const ids = new Set(want.map((w) => w.id));
    found += got.points.filter((p) => ids.has(p.id)).length;
    // Whatever the token search finds is scored exactly.
    for (const p of got.points) {
      assert.ok(Math.abs(p.score - maxSim(q, docs.get(p.id), true)) < 1e-4);
    }
    const exact = await client.query('mvh', { query: q, using: 'colbert', limit: 10, params: { exact: true } });
    assert.deepEqual(exact.points.map((p) => p.id), want.map((w) => w.id));
  }
  assert.ok(found >= 90, `recall@10 ${found / 100}`);
  const bad = await call('/collections/bad4', {
    vectors: { size: 4, distance: 'Dot', multivector_config: { comparator: 'max_sim' }, hnsw_config: { m: 1 } },
  }, 'PUT');
  assert.equal(bad.status, 400);
  assert.match(bad.error, /m in 2\.\.256/);
});

test('malformed multi-vector input is refused naming the problem, and changes nothing', async () => {
  const before = (await client.count('mv', { exact: true })).count;
  const cases = [
    ['/collections/mv/points?wait=true', { points: [{ id: 900, vector: { colbert: [[1, 2, 3]] } }] }, 'PUT', 400, /dimension 3, expected 8/],
    ['/collections/mv/points?wait=true', { points: [{ id: 900, vector: { colbert: [vector(), 'x'] } }] }, 'PUT', 400, /colbert\[1\]/],
    ['/collections/mv/points?wait=true', { points: [{ id: 900, vector: { colbert: vector() } }] }, 'PUT', 400, /multi-vector field: give an array of vectors/],
    ['/collections/mv/points?wait=true', { points: [{ id: 900, vector: { dense: matrix(2) } }] }, 'PUT', 400, /takes one vector, not an array of vectors/],
    ['/collections/mv/points/query', { query: matrix(2, 5), using: 'colbert' }, 'POST', 400, /dimension 5, expected 8/],
    ['/collections/mv/points/query', { query: vector(), using: 'colbert' }, 'POST', 400, /multi-vector field: query it with an array of vectors/],
    ['/collections/mv/points/query', { query: matrix(2), using: 'dense' }, 'POST', 400, /needs a multi-vector field/],
    ['/collections/mv/points/query', { query: { nearest: matrix(2), mmr: { diversity: 0.5 } }, using: 'colbert' }, 'POST', 400, /mmr/],
    ['/collections/bad1', { vectors: { size: 4, distance: 'Euclid', multivector_config: { comparator: 'max_sim' } } }, 'PUT', 501, /Cosine or Dot/],
    ['/collections/bad2', { vectors: { size: 4, distance: 'Dot', multivector_config: { comparator: 'min_sim' } } }, 'PUT', 400, /max_sim/],
    ['/collections/bad3', { vectors: { size: 4, distance: 'Dot', multivector_config: { comparator: 'max_sim', extra: 1 } } }, 'PUT', 400, /extra/],
  ];
  for (const [path, body, method, status, message] of cases) {
    const r = await call(path, body, method);
    assert.equal(r.status, status, `${path} ${JSON.stringify(body).slice(0, 80)}: ${r.status} ${r.error}`);
    assert.match(r.error ?? '', message, path);
  }
  assert.equal((await client.count('mv', { exact: true })).count, before);
  const list = (await client.getCollections()).collections.map((c) => c.name);
  assert.ok(!list.includes('bad1') && !list.includes('bad2') && !list.includes('bad3'));
});

// The model's own matrices, from the CLI.
function embed(list, query = false) {
  const out = execFileSync(BIN, ['embed', '--model', `colbert:${FIXTURE}`, ...(query ? ['--query'] : []), ...list], { env });
  return out.toString().trim().split('\n').map((l) => JSON.parse(l));
}

test('a ColBERT embedder fills the field from text documents and embeds text queries', async () => {
  await client.createCollection('cb', {
    vectors: {
      colbert: { size: 8, distance: 'Cosine', multivector_config: { comparator: 'max_sim' },
        embedder: 'colbert:tiny-colbert' },
    },
  });
  const info = await client.getCollection('cb');
  assert.match(info.config.params.vectors.colbert.embedder, /^colbert:/);
  const texts = ['the quick brown fox', 'hello world', 'lazy dog naps', 'runner café',
    'brown dog and fox', 'world news today'];
  await client.upsert('cb', {
    wait: true,
    points: texts.map((t, i) => ({ id: i + 1, vector: { colbert: { text: t, model: 'colbert:tiny-colbert' } } })),
  });
  const docs = embed(texts);
  const [stored] = await client.retrieve('cb', { ids: [2], with_vector: true });
  assert.equal(stored.vector.colbert.length, docs[1].length);
  stored.vector.colbert.forEach((v, t) => v.forEach((x, k) => assert.ok(Math.abs(x - docs[1][t][k]) < 1e-5)));

  const query = 'brown fox';
  const [q] = embed([query], true);
  const ref = docs.map((d, i) => ({ id: i + 1, score: maxSim(q, d, false) }))
    .sort((a, b) => b.score - a.score || a.id - b.id).slice(0, 4);
  const got = await client.query('cb', { query: { text: query, model: 'colbert:tiny-colbert' }, using: 'colbert', limit: 4 });
  assertRanking(got.points, ref, 'colbert text query');

  // Another model, a field without an embedder.
  let r = await call('/collections/cb/points/query', { query: { text: 'x', model: 'colbert:other' }, using: 'colbert' });
  assert.equal(r.status, 501, r.error);
  assert.match(r.error, /not the embedder of multi-vector field colbert/);
  r = await call('/collections/cb/points?wait=true', { points: [{ id: 50, vector: { colbert: { text: 'x', model: 'colbert:other' } } }] }, 'PUT');
  assert.equal(r.status, 400, r.error);
  assert.match(r.error, /not the embedder of a multi-vector field named 'colbert'/);
  r = await call('/collections/mv/points/query', { query: { text: 'x', model: 'colbert:tiny-colbert' }, using: 'colbert' });
  assert.equal(r.status, 501, r.error);
  assert.match(r.error, /\(it has none\)/);
  r = await call('/collections/cb2', { vectors: { size: 8, distance: 'Dot', multivector_config: { comparator: 'max_sim' }, embedder: 'splade:tiny-colbert' } }, 'PUT');
  assert.equal(r.status, 400, r.error);
  assert.match(r.error, /colbert:MODEL/);
});
