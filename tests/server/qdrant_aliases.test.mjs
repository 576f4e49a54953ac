// Collection aliases over HTTP with the official Qdrant JS client: create / delete / rename in
// one atomic list, listings, aliases in place of collection names, a switch under concurrent
// searches that never shows a missing collection, durability across a restart, bad requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startServer, stopServer } from '../lib/serve.mjs';

const BIN = process.env.RAGDB_BIN;
if (!BIN) throw new Error('set RAGDB_BIN to the ragdb binary');

let dir;
let server;
let client;
let base;

async function start() {
  server = await startServer(BIN, dir);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
}

// Raw HTTP for what the client does not send (bad bodies).
async function post(path, body) {
  const r = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

const sorted = (list) => [...list].sort((a, b) => a.alias_name.localeCompare(b.alias_name));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-aliases-'));
  await start();
  // Two versions of a collection: "blue" holds ids 1..5, "green" ids 101..105.
  for (const [name, first] of [['blue', 1], ['green', 101]]) {
    await client.createCollection(name, { vectors: { size: 2, distance: 'Euclid' } });
    await client.upsert(name, {
      wait: true,
      points: [0, 1, 2, 3, 4].map((i) => ({ id: first + i, vector: [i, 0], payload: { v: name } })),
    });
  }
});

after(async () => {
  if (server) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

test('create, list, use in place of the collection, rename, delete', async () => {
  assert.equal(await client.updateCollectionAliases({
    actions: [{ create_alias: { collection_name: 'blue', alias_name: 'prod' } },
      { create_alias: { collection_name: 'blue', alias_name: 'stable' } }],
  }), true);
  assert.deepEqual(sorted((await client.getAliases()).aliases), [
    { alias_name: 'prod', collection_name: 'blue' },
    { alias_name: 'stable', collection_name: 'blue' }]);
  assert.deepEqual((await client.getCollectionAliases('green')).aliases, []);
  // The path of the collection listing may itself be an alias.
  assert.equal((await client.getCollectionAliases('prod')).aliases.length, 2);

  const hits = await client.search('prod', { vector: [3.1, 0], limit: 2 });
  assert.deepEqual(hits.map((h) => h.id), [4, 5]);
  assert.equal((await client.count('prod', { exact: true })).count, 5);

  await client.updateCollectionAliases({
    actions: [{ rename_alias: { old_alias_name: 'stable', new_alias_name: 'lts' } }],
  });
  assert.deepEqual(sorted((await client.getAliases()).aliases).map((a) => a.alias_name),
    ['lts', 'prod']);
  await client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: 'lts' } }] });
  assert.deepEqual((await client.getAliases()).aliases.map((a) => a.alias_name), ['prod']);
});

test('a switch under concurrent searches never shows a missing collection', async () => {
  let stop = false;
  let searches = 0;
  const seen = new Set();
  const searcher = async () => {
    while (!stop) {
      const hits = await client.search('prod', { vector: [0, 0], limit: 1, with_payload: true });
      assert.equal(hits.length, 1);  // a 404 would throw
      seen.add(hits[0].payload.v);
      searches++;
    }
  };
  const running = [searcher(), searcher(), searcher()];
  for (let i = 0; i < 20; i++) {
    const to = i % 2 === 0 ? 'green' : 'blue';
    await client.updateCollectionAliases({
      actions: [{ delete_alias: { alias_name: 'prod' } },
        { create_alias: { collection_name: to, alias_name: 'prod' } }],
    });
  }
  stop = true;
  await Promise.all(running);
  assert.ok(searches > 20, `only ${searches} searches ran`);
  assert.deepEqual([...seen].sort(), ['blue', 'green']);
  // 20 switches: back where it started.
  assert.deepEqual((await client.getAliases()).aliases,
    [{ alias_name: 'prod', collection_name: 'blue' }]);
});

test('a failing action applies none of the list', async () => {
  await assert.rejects(client.updateCollectionAliases({
    actions: [{ create_alias: { collection_name: 'green', alias_name: 'canary' } },
      { create_alias: { collection_name: 'missing', alias_name: 'x' } }],
  }), (e) => e.status === 404 || e.status === 400);
  assert.deepEqual((await client.getAliases()).aliases.map((a) => a.alias_name), ['prod']);
});

test('bad bodies get a 400 naming the problem', async () => {
  let r = await post('/collections/aliases', { actions: [{ make_alias: {} }] });
  assert.equal(r.status, 400);
  assert.match(r.json.status.error, /unknown action `make_alias`/);
  r = await post('/collections/aliases', {
    actions: [{ create_alias: { collection_name: 'blue', alias: 'x' } }],
  });
  assert.equal(r.status, 400);
  assert.match(r.json.status.error, /alias/);
  r = await post('/collections/aliases', { actionz: [] });
  assert.equal(r.status, 400);
  assert.match(r.json.status.error, /actionz/);
  r = await post('/collections/aliases', '{"actions": [');
  assert.equal(r.status, 400);
  r = await post('/collections/aliases', {
    actions: [{ create_alias: { collection_name: 'blue', alias_name: 'green' } }],
  });
  assert.ok(r.status === 409 || r.status === 400, JSON.stringify(r));
});

test('aliases survive a restart', async () => {
  const { code } = await stopServer(server);
  assert.equal(code, 0);
  await start();
  assert.deepEqual((await client.getAliases()).aliases,
    [{ alias_name: 'prod', collection_name: 'blue' }]);
  const hits = await client.search('prod', { vector: [0, 0], limit: 1, with_payload: true });
  assert.equal(hits[0].payload.v, 'blue');
});
