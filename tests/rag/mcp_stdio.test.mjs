// Black-box test of `ragdb mcp` with the official MCP TypeScript SDK over stdio.
// Run: tests/rag/run.sh build/ragdb   (or RAGDB_BIN=build/ragdb node --test tests/rag/)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');
const SRC = process.env.RAGDB_SOURCE_DIR ?? join(import.meta.dirname, '..', '..');

let dir;
let client;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-mcp-'));
  // A knowledge base made by the CLI, visible to the MCP server.
  execFileSync(BIN, ['--data', dir, 'ingest', 'demo', join(SRC, 'examples', 'docs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const env = { ...process.env };
  delete env.RAGDB_LLM_BASE_URL;  // extractive answers: no network in tests
  client = new Client({ name: 'ragdb-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: BIN, args: ['--data', dir, 'mcp'], env, stderr: 'pipe' }));
});

after(async () => {
  await client?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('server identifies itself and lists the four tools', async () => {
  assert.equal(client.getServerVersion().name, 'ragdb');
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(),
    ['ask', 'ingest_text', 'list_knowledge_bases', 'search']);
  const search = tools.find((t) => t.name === 'search');
  assert.deepEqual(search.inputSchema.required.sort(), ['knowledge_base', 'query']);
  await client.ping();
});

test('list_knowledge_bases shows the ingested demo', async () => {
  const r = await client.callTool({ name: 'list_knowledge_bases', arguments: {} });
  assert.equal(r.isError, false);
  const kbs = JSON.parse(r.content[0].text).knowledge_bases;
  const demo = kbs.find((k) => k.name === 'demo');
  assert.ok(demo && demo.documents >= 3, JSON.stringify(kbs));
});

test('search returns chunks with sources', async () => {
  const r = await client.callTool({ name: 'search', arguments: { knowledge_base: 'demo', query: 'hybrid search fusion', k: 3 } });
  assert.equal(r.isError, false);
  const { results } = JSON.parse(r.content[0].text);
  assert.ok(results.length >= 1 && results.length <= 3);
  for (const x of results) {
    assert.equal(typeof x.source, 'string');
    assert.equal(typeof x.text, 'string');
  }
});

test('ingest_text then ask cites it', async () => {
  const ing = await client.callTool({
    name: 'ingest_text',
    arguments: { knowledge_base: 'scratch', text: 'The Zorblax protocol was designed in 1987 by Ada Quill.', source: 'zorblax.txt' },
  });
  assert.equal(ing.isError, false, ing.content[0].text);
  const r = await client.callTool({ name: 'ask', arguments: { knowledge_base: 'scratch', question: 'Who designed the Zorblax protocol?' } });
  assert.equal(r.isError, false);
  const a = JSON.parse(r.content[0].text);
  assert.equal(a.mode, 'extractive');
  assert.match(a.answer, /Ada Quill.*\[1\]/);
  assert.equal(a.citations[0].source, 'zorblax.txt');
  for (const m of a.answer.matchAll(/\[(\d+)\]/g)) {
    assert.ok(a.citations.some((c) => c.n === Number(m[1])), `citation ${m[0]} has no source`);
  }
});

test('tool failures are tool errors, not protocol errors', async () => {
  const r = await client.callTool({ name: 'search', arguments: { knowledge_base: 'nope', query: 'x' } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /does not exist/);
});
