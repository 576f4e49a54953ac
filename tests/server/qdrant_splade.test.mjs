// A sparse vector field with a learned sparse embedder over HTTP (ragdb's `embedder` extension of
// sparse vector params: SPLADE and BGE-M3's lexical weights): points given as text documents get
// learned sparse vectors, queries given as text are embedded by the same model, and the ranking is
// the dot product of the vectors `ragdb embed --model KIND:...` prints for the same texts. The
// models are the random-weight fixtures of the model tests, installed with `ragdb model add` into
// a model cache of the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startServer, stopServer } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');
const MODELS = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models');
const FIXTURE = join(MODELS, 'bert_tiny_splade');
const M3_FIXTURE = join(MODELS, 'xlmr_tiny_m3');

let dir;
let server;
let client;
let base;
let env;
const texts = ['the quick brown fox', 'hello world', 'lazy dog naps', 'runner café',
  'brown dog and fox', 'world news today'];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-splade-'));
  env = { ...process.env, RAGDB_MODEL_CACHE: join(dir, 'models') };
  execFileSync(BIN, ['model', 'add', 'tiny-splade', FIXTURE], { env, stdio: 'pipe' });
  execFileSync(BIN, ['model', 'add', 'tiny-m3', M3_FIXTURE], { env, stdio: 'pipe' });
  server = await startServer(BIN, join(dir, 'data'), [], env);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
});

after(async () => {
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

// The model's own vectors, from the CLI.
function embed(list, spec = `splade:${FIXTURE}`) {
  const out = execFileSync(BIN, ['embed', '--model', spec, ...list], { env });
  return out.toString().trim().split('\n').map((l) => JSON.parse(l));
}
function dot(a, b) {
  const m = new Map(a.indices.map((i, j) => [i, a.values[j]]));
  return b.indices.reduce((s, i, j) => s + (m.get(i) ?? 0) * b.values[j], 0);
}

test('SPLADE sparse field: text documents in, text queries ranked by the learned vectors', async () => {
  await client.createCollection('sp', {
    sparse_vectors: { splade: { embedder: 'splade:tiny-splade' } },
  });
  const info = await client.getCollection('sp');
  assert.match(info.config.params.sparse_vectors.splade.embedder, /^splade:/);
  await client.upsert('sp', {
    wait: true,
    points: texts.map((t, i) => ({
      id: i + 1, vector: { splade: { text: t, model: 'splade:tiny-splade' } }, payload: { t },
    })),
  });
  const stored = await client.retrieve('sp', { ids: [2], with_vector: true });
  const [want2] = embed([texts[1]]);
  assert.deepEqual(stored[0].vector.splade.indices, want2.indices);

  const query = 'brown fox';
  const [q] = embed([query]);
  const docs = embed(texts);
  const ref = docs.map((d, i) => ({ id: i + 1, score: dot(q, d) }))
    .sort((a, b) => b.score - a.score || a.id - b.id).slice(0, 3);
  const got = await client.query('sp', {
    query: { text: query, model: 'splade:tiny-splade' }, using: 'splade', limit: 3,
  });
  assert.deepEqual(got.points.map((p) => p.id), ref.map((r) => r.id));
  got.points.forEach((p, i) => assert.ok(Math.abs(p.score - ref[i].score) < 1e-3 * (1 + ref[i].score)));

  // Another model, a field without an embedder, and an embedder that is not installed.
  const post = async (path, body, method = 'POST') => {
    const r = await fetch(`${base}${path}`, {
      method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: r.status, error: (await r.json()).status?.error };
  };
  let r = await post('/collections/sp/points/query',
    { query: { text: query, model: 'splade:other' }, using: 'splade' });
  assert.equal(r.status, 501);
  assert.match(r.error, /not the embedder/);
  r = await post('/collections/sp/points', {
    points: [{ id: 9, vector: { splade: { text: 'x', model: 'splade:other' } } }],
  }, 'PUT');
  assert.equal(r.status, 400);
  assert.match(r.error, /not the embedder/);
  assert.equal((await client.count('sp', {})).count, texts.length);
  r = await post('/collections/bad', { sparse_vectors: { s: { embedder: 'splade:missing-model' } } }, 'PUT');
  assert.equal(r.status, 400);
  assert.match(r.error, /not installed/);
  r = await post('/collections/bad', { sparse_vectors: { s: { embedder: 'bm25' } } }, 'PUT');
  assert.equal(r.status, 400);
  assert.match(r.error, /splade:MODEL/);
});

test('BGE-M3 lexical weights: a sparse field filled and queried with bge-m3-sparse:MODEL', async () => {
  const spec = 'bge-m3-sparse:tiny-m3';
  // The tiny XLM-R vocabulary's words, so that documents and queries share tokens.
  const m3texts = ['the quick brown fox', 'quick world', 'data base', 'bank money data',
    'brown fox', 'quick data', 'hello world'];
  await client.createCollection('m3', { sparse_vectors: { lex: { embedder: spec } } });
  const info = await client.getCollection('m3');
  assert.match(info.config.params.sparse_vectors.lex.embedder, /^bge-m3-sparse:/);
  await client.upsert('m3', {
    wait: true,
    points: m3texts.map((t, i) => ({ id: i + 1, vector: { lex: { text: t, model: spec } } })),
  });
  const docs = embed(m3texts, `bge-m3-sparse:${M3_FIXTURE}`);
  const stored = await client.retrieve('m3', { ids: [4], with_vector: true });
  assert.deepEqual(stored[0].vector.lex.indices, docs[3].indices);
  const query = 'quick fox data';
  const [q] = embed([query], `bge-m3-sparse:${M3_FIXTURE}`);
  const ref = docs.map((d, i) => ({ id: i + 1, score: dot(q, d) })).filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.id - b.id).slice(0, 3);
  assert.ok(ref.length >= 3, 'the query shares tokens with several documents');
  const got = await client.query('m3', { query: { text: query, model: spec }, using: 'lex', limit: 3 });
  assert.deepEqual(got.points.map((p) => p.id), ref.map((r) => r.id));
  got.points.forEach((p, i) => assert.ok(Math.abs(p.score - ref[i].score) < 1e-3 * (1 + ref[i].score)));
  // The SPLADE model's name does not match this field.
  const r = await fetch(`${base}/collections/m3/points/query`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: { text: query, model: 'splade:tiny-splade' }, using: 'lex' }),
  });
  assert.equal(r.status, 501);
});
