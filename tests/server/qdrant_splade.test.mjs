// A sparse vector field with a SPLADE embedder over HTTP (ragdb's `embedder` extension of sparse
// vector params): points given as text documents get learned sparse vectors, queries given as
// text are embedded by the same model, and the ranking is the dot product of the vectors
// `ragdb embed --model splade:...` prints for the same texts. The model is the random-weight
// fixture of the model tests, installed with `ragdb model add` into a model cache of the test.
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
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models',
  'bert_tiny_splade');

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
  server = await startServer(BIN, join(dir, 'data'), [], env);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
});

after(async () => {
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

// The model's own vectors, from the CLI.
function embed(list) {
  const out = execFileSync(BIN, ['embed', '--model', `splade:${FIXTURE}`, ...list], { env });
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
