// Recommend, discover, context, facet, search matrix, order_by / sample / MMR queries over HTTP,
// with the official Qdrant JS client where it has the call, each compared with a brute-force
// reference computed here (explore.h defines the scores; they are Qdrant's).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { rng } from '../lib/random.mjs';
import { startServer, stopServer } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');

const DIM = 8;
const N = 300;
const COLORS = ['red', 'green', 'blue', 'black'];

// Deterministic unit vectors (mulberry32), so that cosine = dot and failures reproduce.
const rand = rng(20);
function unit() {
  const v = Array.from({ length: DIM }, () => rand() * 2 - 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
const points = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  vector: unit(),
  payload: { color: COLORS[i % 4], n: i % 7, tags: i % 5 === 0 ? ['x', 'y'] : ['x'] },
}));
const byId = new Map(points.map((p) => [p.id, p]));
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const vec = (e) => (typeof e === 'number' ? byId.get(e).vector : e);
const squash = (x) => 0.5 * (x / (1 + Math.abs(x)) + 1);

let dir;
let server;
let client;
let base;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-explore-'));
  server = await startServer(BIN, dir);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
  await client.createCollection('ex', { vectors: { size: DIM, distance: 'Cosine' } });
  await client.createPayloadIndex('ex', { field_name: 'color', field_schema: 'keyword', wait: true });
  await client.upsert('ex', { wait: true, points });
});

after(async () => {
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

async function post(path, body, method = 'POST') {
  const r = await fetch(`${base}${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const j = await r.json();
  return { status: r.status, result: j.result, error: j.status?.error };
}

// The top k of `score` over the points not excluded, best first: [{id, score}].
function topK(score, k, exclude = [], filter = () => true) {
  const skip = new Set(exclude);
  return points.filter((p) => !skip.has(p.id) && filter(p))
    .map((p) => ({ id: p.id, score: score(p.vector) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k);
}

// Hits match the reference: the same scores in order, and each hit's own reference score is
// the score returned (ties may order ids differently).
function assertHits(hits, ref, score, what) {
  assert.equal(hits.length, ref.length, `${what}: ${hits.length} hits, expected ${ref.length}`);
  hits.forEach((h, i) => {
    assert.ok(Math.abs(h.score - ref[i].score) < 1e-4, `${what}[${i}]: ${h.score} vs ${ref[i].score}`);
    assert.ok(Math.abs(h.score - score(byId.get(h.id).vector)) < 1e-4, `${what}: id ${h.id}`);
  });
}

const bestScore = (pos, neg) => (x) => {
  const p = pos.length ? Math.max(...pos.map((e) => dot(x, vec(e)))) : -Infinity;
  const n = neg.length ? Math.max(...neg.map((e) => dot(x, vec(e)))) : -Infinity;
  return p > n ? squash(p) : -squash(n);
};
const sumScores = (pos, neg) => (x) =>
  pos.reduce((s, e) => s + dot(x, vec(e)), 0) - neg.reduce((s, e) => s + dot(x, vec(e)), 0);
function averageVector(pos, neg) {
  const mean = (es) => Array.from({ length: DIM }, (_, d) => es.reduce((s, e) => s + vec(e)[d], 0) / es.length);
  const mp = mean(pos);
  const q = neg.length ? mp.map((x, d) => 2 * x - mean(neg)[d]) : mp;
  const n = Math.hypot(...q);
  return (x) => dot(x, q) / n;  // cosine with the combined query
}
const ids = (es) => es.filter((e) => typeof e === 'number');

test('recommend: the three strategies match the reference, with ids and vectors as examples', async () => {
  const pos = [3, 17, points[40].vector];
  const neg = [8, points[99].vector];
  for (const [strategy, score] of [
    ['best_score', bestScore(pos, neg)],
    ['sum_scores', sumScores(pos, neg)],
    ['average_vector', averageVector(pos, neg)],
  ]) {
    const params = strategy === 'average_vector' ? { exact: true } : undefined;
    const hits = await client.recommend('ex', { positive: pos, negative: neg, strategy, limit: 10, params });
    assertHits(hits, topK(score, 10, ids([...pos, ...neg])), score, strategy);
    // The same through the Query API.
    const q = await client.query('ex', { query: { recommend: { positive: pos, negative: neg, strategy } }, limit: 10, params });
    assert.deepEqual(q.points.map((p) => p.id), hits.map((p) => p.id), `query ${strategy}`);
  }
  // Negatives alone work with best_score; a filter and an offset apply.
  const score = bestScore([], [5]);
  const red = (p) => p.payload.color === 'red';
  const hits = await client.recommend('ex', {
    negative: [5], strategy: 'best_score', limit: 5, offset: 2,
    filter: { must: [{ key: 'color', match: { value: 'red' } }] },
  });
  assertHits(hits, topK(score, 7, [5], red).slice(2), score, 'negative only');
  assert.ok(hits.every((h) => h.payload.color === 'red'));
});

test('recommend batch and groups', async () => {
  const searches = [
    { positive: [1, 2], limit: 3, strategy: 'sum_scores' },
    { positive: [10], negative: [11], limit: 4, strategy: 'best_score' },
  ];
  const batch = await client.recommendBatch('ex', { searches });
  assert.equal(batch.length, 2);
  assertHits(batch[0], topK(sumScores([1, 2], []), 3, [1, 2]), sumScores([1, 2], []), 'batch[0]');
  assertHits(batch[1], topK(bestScore([10], [11]), 4, [10, 11]), bestScore([10], [11]), 'batch[1]');

  const groups = await client.recommendPointGroups('ex', {
    positive: [7], strategy: 'sum_scores', group_by: 'color', group_size: 2, limit: 3,
  });
  assert.equal(groups.groups.length, 3);
  const score = sumScores([7], []);
  const ranked = topK(score, N, [7]);
  for (const g of groups.groups) {
    const ref = ranked.filter((r) => byId.get(r.id).payload.color === g.id).slice(0, 2);
    assert.deepEqual(g.hits.map((h) => h.id), ref.map((r) => r.id), `group ${g.id}`);
  }
  // Groups come in the order of their best hit.
  const firstColors = [...new Set(ranked.map((r) => byId.get(r.id).payload.color))].slice(0, 3);
  assert.deepEqual(groups.groups.map((g) => g.id), firstColors);
});

test('discover with a target and context, context alone, and batches', async () => {
  const context = [{ positive: 4, negative: 9 }, { positive: points[60].vector, negative: 12 }];
  const target = 30;
  const rank = (x) => context.reduce((s, c) => {
    const d = dot(x, vec(c.positive)) - dot(x, vec(c.negative));
    return s + (d > 0 ? 1 : d < 0 ? -1 : 0);
  }, 0);
  const discover = (x) => rank(x) + squash(dot(x, vec(target)));
  const exclude = [4, 9, 12, 30];
  const hits = await client.discoverPoints('ex', { target, context, limit: 10 });
  assertHits(hits, topK(discover, 10, exclude), discover, 'discover');

  const contextScore = (x) => context.reduce((s, c) => {
    const m = Math.min(0, dot(x, vec(c.positive)) - dot(x, vec(c.negative)) - 1.1920929e-7);
    return s + m / (1 + Math.abs(m));
  }, 0);
  const ctx = await client.query('ex', { query: { context }, limit: 20 });
  assertHits(ctx.points, topK(contextScore, 20, [4, 9, 12]), contextScore, 'context');
  const legacy = await client.discoverPoints('ex', { context, limit: 20 });
  assert.deepEqual(legacy.map((h) => h.score), ctx.points.map((h) => h.score));

  const batch = await client.discoverBatchPoints('ex', {
    searches: [{ target, context, limit: 3 }, { target: 5, context: [{ positive: 6, negative: 7 }], limit: 2 }],
  });
  assert.deepEqual(batch[0].map((h) => h.id), hits.slice(0, 3).map((h) => h.id));
  assert.equal(batch[1].length, 2);
});

test('facet counts values among the filtered points', async () => {
  let r = await client.facet('ex', { key: 'color', limit: 10 });
  assert.deepEqual(r.hits.map((h) => [h.value, h.count]).sort(), COLORS.map((c) => [c, N / 4]).sort());
  r = await client.facet('ex', { key: 'tags', filter: { must: [{ key: 'n', match: { value: 3 } }] }, exact: true });
  const three = points.filter((p) => p.payload.n === 3);
  const ref = [['x', three.length], ['y', three.filter((p) => p.payload.tags.includes('y')).length]];
  assert.deepEqual(r.hits.map((h) => [h.value, h.count]), ref);
  r = await client.facet('ex', { key: 'n', limit: 2 });
  assert.equal(r.hits.length, 2);
  const counts = [0, 1, 2, 3, 4, 5, 6].map((n) => [n, points.filter((p) => p.payload.n === n).length])
    .sort((a, b) => b[1] - a[1] || b[0] - a[0]);
  assert.deepEqual(r.hits.map((h) => h.count), counts.slice(0, 2).map((c) => c[1]));
});

test('search matrix: pairs and offsets hold each sampled point\'s nearest sampled neighbours', async () => {
  const filter = { must: [{ key: 'color', match: { value: 'blue' } }] };
  const pairs = await client.searchMatrixPairs('ex', { sample: 12, limit: 3, filter });
  const sampled = new Set(pairs.pairs.flatMap((p) => [p.a, p.b]));
  assert.ok(sampled.size <= 12 && sampled.size >= 4);
  const byA = new Map();
  for (const p of pairs.pairs) {
    assert.equal(byId.get(p.a).payload.color, 'blue');
    assert.ok(Math.abs(p.score - dot(byId.get(p.a).vector, byId.get(p.b).vector)) < 1e-4);
    byA.set(p.a, [...(byA.get(p.a) ?? []), p]);
  }
  const offsets = await client.searchMatrixOffsets('ex', { sample: 12, limit: 3, filter });
  assert.equal(offsets.ids.length, 12);
  assert.equal(offsets.offsets_row.length, 12 * 3);
  for (let i = 0; i < offsets.scores.length; i++) {
    const a = byId.get(offsets.ids[offsets.offsets_row[i]]);
    const b = byId.get(offsets.ids[offsets.offsets_col[i]]);
    assert.ok(Math.abs(offsets.scores[i] - dot(a.vector, b.vector)) < 1e-4);
    // Nobody else in the sample is nearer to a than its listed neighbours.
    const others = offsets.ids.filter((id) => id !== a.id).map((id) => dot(a.vector, byId.get(id).vector))
      .sort((x, y) => y - x);
    const rank = i % 3;
    assert.ok(Math.abs(offsets.scores[i] - others[rank]) < 1e-4, `row ${offsets.offsets_row[i]} rank ${rank}`);
  }
});

test('Query API: order_by, sample and MMR', async () => {
  let r = await client.query('ex', { query: { order_by: { key: 'n', direction: 'desc' } }, limit: 5, with_payload: true });
  assert.deepEqual(r.points.map((p) => p.payload.n), [6, 6, 6, 6, 6]);
  assert.deepEqual(r.points.map((p) => p.score), [6, 6, 6, 6, 6]);

  r = await client.query('ex', {
    query: { sample: 'random' }, limit: 20, filter: { must: [{ key: 'color', match: { value: 'green' } }] },
  });
  assert.equal(new Set(r.points.map((p) => p.id)).size, 20);
  assert.ok(r.points.every((p) => byId.get(p.id).payload.color === 'green'));

  const q = points[0].vector;
  const plain = await client.query('ex', { query: q, limit: 8, params: { exact: true } });
  const none = await client.query('ex', { query: { nearest: q, mmr: { diversity: 0 } }, limit: 8, params: { exact: true } });
  assert.deepEqual(none.points.map((p) => p.id), plain.points.map((p) => p.id));
  // Reference MMR over the 40 nearest: each next pick maximizes
  // (1 - d) * relevance - d * max similarity to the picks so far.
  const d = 0.7;
  const cands = topK((x) => dot(x, q), 40);
  const picked = [cands.shift()];
  while (picked.length < 8) {
    let best = -1;
    let bestValue = -Infinity;
    cands.forEach((c, i) => {
      const sim = Math.max(...picked.map((p) => dot(byId.get(p.id).vector, byId.get(c.id).vector)));
      const v = (1 - d) * c.score - d * sim;
      if (v > bestValue) { bestValue = v; best = i; }
    });
    picked.push(cands.splice(best, 1)[0]);
  }
  const mmr = await client.query('ex', {
    query: { nearest: q, mmr: { diversity: d, candidates_limit: 40 } }, limit: 8, params: { exact: true },
  });
  assert.deepEqual(mmr.points.map((p) => p.id), picked.map((p) => p.id));
  mmr.points.forEach((p, i) => assert.ok(Math.abs(p.score - picked[i].score) < 1e-4));  // search scores
});

test('exploration requests: bad input gets 400 / 404 / 501 naming the problem', async () => {
  const path = '/collections/ex/points';
  let r = await post(`${path}/recommend`, { positive: [1] });
  assert.equal(r.status, 400);
  assert.match(r.error, /limit/);
  r = await post(`${path}/recommend`, { positive: [1], limit: 3, strategy: 'median' });
  assert.equal(r.status, 400);
  assert.match(r.error, /strategy/);
  r = await post(`${path}/recommend`, { positive: [1], limit: 3, lookup_from: { collection: 'x' } });
  assert.equal(r.status, 501);
  assert.match(r.error, /lookup_from/);
  r = await post(`${path}/recommend`, { positive: [1], limit: 3, positives: [2] });
  assert.equal(r.status, 400);
  assert.match(r.error, /positives/);
  r = await post(`${path}/recommend`, { positive: [123456], limit: 3 });
  assert.equal(r.status, 404);
  assert.match(r.error, /123456/);
  r = await post(`${path}/recommend`, { positive: [[1, 2]], limit: 3 });
  assert.equal(r.status, 400);
  assert.match(r.error, /dimension|2/);
  r = await post(`${path}/recommend`, { positive: [{ indices: [1], values: [1] }], limit: 3 });
  assert.equal(r.status, 501);
  assert.match(r.error, /positive\[0\]/);
  r = await post(`${path}/query`, { query: { recommend: {} } });
  assert.equal(r.status, 400);
  r = await post(`${path}/query`, { query: { discover: { context: [] } } });
  assert.equal(r.status, 400);
  assert.match(r.error, /target/);
  r = await post(`${path}/query`, { query: { context: [{ positive: 1 }] } });
  assert.equal(r.status, 400);
  assert.match(r.error, /negative/);
  r = await post(`${path}/query`, { query: { sample: 'first' } });
  assert.equal(r.status, 400);
  assert.match(r.error, /random/);
  r = await post(`${path}/query`, { query: { nearest: [1, 0, 0, 0, 0, 0, 0, 0], mmr: { diversity: 2 } } });
  assert.equal(r.status, 400);
  assert.match(r.error, /diversity/);
  r = await post(`${path}/query`, { query: { nearest: [1, 0, 0, 0, 0, 0, 0, 0], mmr: { lambda: 1 } } });
  assert.equal(r.status, 400);
  assert.match(r.error, /mmr\.lambda/);
  r = await post(`${path}/discover`, { limit: 3 });
  assert.equal(r.status, 400);
  assert.match(r.error, /target|context/);
  r = await post('/collections/ex/facet', { limit: 3 });
  assert.equal(r.status, 400);
  assert.match(r.error, /key/);
  r = await post(`${path}/search/matrix/pairs`, { sample: 1 });
  assert.equal(r.status, 400);
  assert.match(r.error, /sample/);
  r = await post(`${path}/recommend/batch`, { searches: [{ positive: [1], limit: 1 }, { limit: 1, bogus: 1 }] });
  assert.equal(r.status, 400);
  assert.match(r.error, /searches\[1\]/);
  r = await post('/collections/nope/points/recommend', { positive: [1], limit: 1 });
  assert.equal(r.status, 404);
});
