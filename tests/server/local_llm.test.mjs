// Black-box test of local generation through the OpenAI API with the official `openai` client:
// stories260K (../shared/data/tinyllm-stories260K, a llama2.c checkpoint) installed with
// `ragdb model add`, served by `ragdb serve --llm local:stories`: /v1/models lists it,
// /v1/completions and /v1/chat/completions answer plain and streamed (the greedy text is the
// model's verified one), and kb: chat answers with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { startServer, stopServer } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');
const SHARED = process.env.RAGDB_SHARED_DATA ||
  resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const STORIES = join(SHARED, 'tinyllm-stories260K');

let dir;
let server;
let client;
let expected;

before(async () => {
  if (!existsSync(STORIES)) throw new Error(`shared data missing: ${STORIES} (set RAGDB_SHARED_DATA)`);
  expected = readFileSync(join(STORIES, 'expected_greedy_200tok.txt'), 'utf8');
  dir = mkdtempSync(join(tmpdir(), 'ragdb-llm-'));
  const env = { ...process.env, RAGDB_MODEL_CACHE: join(dir, 'models') };
  execFileSync(BIN, ['model', 'add', 'stories', STORIES], { env, stdio: 'pipe' });
  server = await startServer(BIN, join(dir, 'data'), ['--llm', 'local:stories'], env);
  client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${server.port}/v1` });
});

after(async () => {
  if (server) await stopServer(server);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('models.list names the installed local model', async () => {
  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === 'stories'));
});

test('completions.create: greedy text is the verified one, plain and streamed', async () => {
  const res = await client.completions.create({
    model: 'stories', prompt: '', max_tokens: 40, temperature: 0,
  });
  const text = res.choices[0].text;
  assert.ok(text.length > 100, text);
  assert.equal(text, expected.slice(0, text.length));
  assert.equal(res.choices[0].finish_reason, 'length');
  assert.equal(res.usage.completion_tokens, 40);
  assert.equal(res.usage.prompt_tokens, 1);

  const stream = await client.completions.create({
    model: 'stories', prompt: '', max_tokens: 40, temperature: 0, stream: true,
  });
  let streamed = '';
  let pieces = 0;
  let finish = null;
  for await (const chunk of stream) {
    streamed += chunk.choices[0].text;
    pieces += 1;
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  assert.equal(streamed, text);
  assert.ok(pieces > 10, `streamed token by token, got ${pieces} chunks`);
  assert.equal(finish, 'length');

  const stopped = await client.completions.create({
    model: 'stories', prompt: '', max_tokens: 100, temperature: 0, stop: ['little girl'],
  });
  assert.equal(stopped.choices[0].text, 'Once upon a time, there was a ');
  assert.equal(stopped.choices[0].finish_reason, 'stop');
});

test('chat.completions with a local model, streamed with usage', async () => {
  const messages = [{ role: 'user', content: 'Tell me a story about Lily.' }];
  const res = await client.chat.completions.create({
    model: 'stories', messages, max_tokens: 12, temperature: 0,
  });
  assert.equal(res.object, 'chat.completion');
  assert.equal(res.choices[0].message.role, 'assistant');
  assert.equal(res.usage.completion_tokens, 12);
  const stream = await client.chat.completions.create({
    model: 'stories', messages, max_tokens: 12, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.choices.length) text += chunk.choices[0].delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, res.choices[0].message.content);
  assert.equal(usage.completion_tokens, 12);

  // Sampling is seeded.
  const a = await client.chat.completions.create({ model: 'stories', messages, max_tokens: 20, seed: 7 });
  const b = await client.chat.completions.create({ model: 'stories', messages, max_tokens: 20, seed: 7 });
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
});

test('kb: chat answers with the local LLM and cites', async () => {
  const up = await fetch(`http://127.0.0.1:${server.port}/ragdb/kb/tales/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'lily.md', text: 'Lily has a red ball. She plays in the park.' }),
  });
  assert.equal(up.status, 200, await up.text());
  const res = await client.chat.completions.create({
    model: 'kb:tales', messages: [{ role: 'user', content: 'What does Lily have?' }],
    max_tokens: 16, temperature: 0,
  });
  assert.equal(res.ragdb.mode, 'llm');
  assert.equal(res.citations[0].source, 'lily.md');
  assert.match(res.choices[0].message.content, /Sources:\n\[1\] lily\.md/);
});

test('bad requests', async () => {
  const messages = [{ role: 'user', content: 'hi' }];
  await assert.rejects(client.completions.create({ model: 'nope', prompt: 'x' }),
    (e) => e.status === 404 && e.code === 'model_not_found');
  await assert.rejects(client.completions.create({ model: '/etc/passwd', prompt: 'x' }),
    (e) => e.status === 404);
  await assert.rejects(client.completions.create({ model: 'stories', prompt: 'x', temperature: 9 }),
    (e) => e.status === 400 && /temperature/.test(e.message));
  await assert.rejects(client.chat.completions.create({ model: 'stories', messages: [] }),
    (e) => e.status === 400);
  await assert.rejects(client.chat.completions.create({
    model: 'stories', messages: [{ role: 'wizard', content: 'x' }],
  }), (e) => e.status === 400);
});
