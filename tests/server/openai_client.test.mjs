// Black-box test of ragdb's OpenAI-compatible /v1/embeddings with the official `openai` client,
// which asks for base64 embeddings by default and decodes them itself.
// Run: RAGDB_BIN=build/ragdb node --test tests/server/   (tests/server/run.sh does this)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startServer, stopServer } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');

let dir;
let server;
let port;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-openai-'));
  server = await startServer(BIN, join(dir, 'data'), [],
    { ...process.env, RAGDB_MODEL_CACHE: join(dir, 'models') });
  port = server.port;
});

after(async () => {
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

test('embeddings.create with the openai client (base64 by default, and float)', async () => {
  const client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1` });
  const res = await client.embeddings.create({ model: 'hash:64', input: ['a', 'b'] });
  assert.equal(res.object, 'list');
  assert.equal(res.data.length, 2);
  for (const [i, d] of res.data.entries()) {
    assert.equal(d.index, i);
    assert.equal(d.embedding.length, 64);
    const norm = Math.sqrt(d.embedding.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-4, `unit vector, got norm ${norm}`);
  }
  const floats = await client.embeddings.create({
    model: 'hash:64', input: ['a', 'b'], encoding_format: 'float',
  });
  assert.deepEqual(floats.data.map((d) => d.embedding), res.data.map((d) => d.embedding));

  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === 'hash'));

  await assert.rejects(client.embeddings.create({ model: 'no-such-model', input: 'x' }),
    (e) => e.status === 404 && /no-such-model/.test(e.message));
});

// Chat completions answered from a knowledge base (model kb:NAME), with citations.
async function uploadDocs() {
  const up = await fetch(`http://127.0.0.1:${port}/ragdb/kb/guide/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      documents: [
        { source: 'install.md', text: '# Install\n\nRun scripts/demo.sh to install ragdb and build it with Ninja.\n' },
        { source: 'search.md', text: '# Search\n\nHybrid search fuses BM25 and vector results with reciprocal rank fusion.\n' },
      ],
    }),
  });
  assert.equal(up.status, 200, await up.text());
}

test('chat.completions with model kb:NAME answers with citations (plain and streamed)', async () => {
  await uploadDocs();
  const client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1` });
  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === 'kb:guide'), JSON.stringify(models.data));

  const messages = [{ role: 'user', content: 'How does hybrid search fuse results?' }];
  const res = await client.chat.completions.create({ model: 'kb:guide', messages });
  assert.equal(res.object, 'chat.completion');
  const msg = res.choices[0].message;
  assert.equal(msg.role, 'assistant');
  assert.match(msg.content, /reciprocal rank fusion/);
  assert.match(msg.content, /\[1\]/);
  assert.ok(Array.isArray(res.citations) && res.citations.length >= 1);
  assert.equal(res.citations[0].source, 'search.md');
  // Every [n] in the answer names a returned citation.
  const ns = new Set(res.citations.map((c) => c.n));
  for (const m of msg.content.matchAll(/\[(\d+)\]/g)) assert.ok(ns.has(Number(m[1])), m[0]);

  const stream = await client.chat.completions.create({ model: 'kb:guide', messages, stream: true });
  let text = '';
  let last;
  for await (const chunk of stream) {
    if (chunk.choices.length) {
      text += chunk.choices[0].delta.content ?? '';
      last = chunk;
    }
  }
  assert.equal(text, msg.content);
  assert.equal(last.choices[0].finish_reason, 'stop');
  assert.deepEqual(last.citations, res.citations);

  await assert.rejects(client.chat.completions.create({ model: 'kb:missing', messages }),
    (e) => e.status === 404);
  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages }),
    (e) => e.status === 404 && e.code === 'model_not_found');
});
