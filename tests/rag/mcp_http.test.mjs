// Black-box test of MCP over Streamable HTTP (`ragdb serve`, endpoint /mcp) with the official
// MCP TypeScript SDK's StreamableHTTPClientTransport.
// Run: tests/rag/run.sh build/ragdb   (or RAGDB_BIN=build/ragdb node --test tests/rag/)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');
const SRC = process.env.RAGDB_SOURCE_DIR ?? join(import.meta.dirname, '..', '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let dir;
let proc;
let client;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-mcp-http-'));
  execFileSync(BIN, ['--data', dir, 'ingest', 'demo', join(SRC, 'examples', 'docs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await freePort();
  const env = { ...process.env };
  delete env.RAGDB_LLM_BASE_URL;  // extractive answers: no network in tests
  proc = spawn(BIN, ['--data', dir, 'serve', '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'inherit'], env,
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    await sleep(50);
  }
  client = new Client({ name: 'ragdb-http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
});

after(async () => {
  await client?.close();
  if (proc) {
    const exited = new Promise((r) => proc.on('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
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
