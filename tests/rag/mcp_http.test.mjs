// Black-box test of MCP over Streamable HTTP (`ragdb serve`, endpoint /mcp) with the official
// MCP TypeScript SDK's StreamableHTTPClientTransport.
// Run: tests/rag/run.sh build/ragdb   (or RAGDB_BIN=build/ragdb node --test tests/rag/)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer, stopServer } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');
const SRC = process.env.RAGDB_SOURCE_DIR ?? join(import.meta.dirname, '..', '..');

let dir;
let server;
let client;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-mcp-http-'));
  execFileSync(BIN, ['--data', dir, 'ingest', 'demo', join(SRC, 'examples', 'docs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const env = { ...process.env };
  delete env.RAGDB_LLM_BASE_URL;  // extractive answers: no network in tests
  server = await startServer(BIN, dir, [], env);
  client = new Client({ name: 'ragdb-http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${server.port}/mcp`)));
});

after(async () => {
  await client?.close();
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

test('tools over HTTP: list, search, ingest_text, ask with citations', async () => {
  assert.equal(client.getServerVersion().name, 'ragdb');
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(),
    ['ask', 'ingest_text', 'list_knowledge_bases', 'search']);

  const kbs = await client.callTool({ name: 'list_knowledge_bases', arguments: {} });
  assert.ok(JSON.parse(kbs.content[0].text).knowledge_bases.some((k) => k.name === 'demo'));

  const ing = await client.callTool({
    name: 'ingest_text',
    arguments: { knowledge_base: 'notes', source: 'meeting.md', text: 'The launch moved to March because of the audit.' },
  });
  assert.equal(ing.isError, false, ing.content[0].text);

  const s = await client.callTool({ name: 'search', arguments: { knowledge_base: 'notes', query: 'launch audit', k: 2 } });
  assert.equal(s.isError, false);
  assert.equal(JSON.parse(s.content[0].text).results[0].source, 'meeting.md');

  const a = await client.callTool({ name: 'ask', arguments: { knowledge_base: 'notes', question: 'Why did the launch move?' } });
  const ans = JSON.parse(a.content[0].text);
  assert.match(ans.answer, /audit/);
  assert.ok(ans.citations.length >= 1);
  const ns = new Set(ans.citations.map((c) => c.n));
  for (const m of ans.answer.matchAll(/\[(\d+)\]/g)) assert.ok(ns.has(Number(m[1])), m[0]);

  const bad = await client.callTool({ name: 'search', arguments: { knowledge_base: 'nope', query: 'x' } });
  assert.equal(bad.isError, true);
  await client.ping();
});
