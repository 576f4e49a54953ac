// Full snapshots (/snapshots: every collection and the aliases in one archive) and recovery from
// a file or an http:// URL on loopback, for full and collection snapshots, over HTTP with the
// official Qdrant JS client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
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
let files;   // a loopback web server: path -> bytes
let filesUrl;
const served = new Map();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdb-fullsnap-'));
  server = await startServer(BIN, dir);
  base = `http://127.0.0.1:${server.port}`;
  client = new QdrantClient({ url: base, checkCompatibility: false });
  files = createServer((req, res) => {
    const body = served.get(req.url);
    if (!body) { res.writeHead(404); res.end('no such file'); return; }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise((r) => files.listen(0, '127.0.0.1', r));
  filesUrl = `http://127.0.0.1:${files.address().port}`;

  const pts = (n, off) => Array.from({ length: n }, (_, i) => ({
    id: i + 1, vector: [Math.cos(i + off), Math.sin(i + off)], payload: { i },
  }));
  await client.createCollection('a', { vectors: { size: 2, distance: 'Cosine' } });
  await client.createCollection('b', { vectors: { size: 2, distance: 'Dot' } });
  await client.upsert('a', { wait: true, points: pts(30, 0) });
  await client.upsert('b', { wait: true, points: pts(12, 5) });
  await client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: 'a', alias_name: 'live' } }] });
});

after(async () => {
  if (server) await stopServer(server);
  if (files) files.close();
  rmSync(dir, { recursive: true, force: true });
});

async function request(method, path, body, headers = {}) {
  const r = await fetch(`${base}${path}`, {
    method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  });
  const j = await r.json();
  return { status: r.status, result: j.result, error: j.status?.error };
}

const count = async (c) => (await client.count(c, { exact: true })).count;
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

// Changes everything the snapshot holds.
async function mutate() {
  await client.delete('a', { wait: true, points: [1, 2, 3, 4, 5] });
  await client.deleteCollection('b');
  await client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: 'live' } }] });
  await client.createCollection('b', { vectors: { size: 3, distance: 'Euclid' } });  // another b
}

async function assertRestored() {
  assert.equal(await count('a'), 30);
  assert.equal(await count('b'), 12);
  assert.equal((await client.getCollection('b')).config.params.vectors.distance, 'Dot');
  assert.deepEqual((await client.getAliases()).aliases, [{ alias_name: 'live', collection_name: 'a' }]);
  assert.equal(await count('live'), 30);
}

let snap;
let bytes;

test('create, list and download a full snapshot', async () => {
  snap = await client.createFullSnapshot();
  assert.match(snap.name, /^full-.*\.snapshot$/);
  assert.equal(snap.checksum.length, 64);
  const list = await client.listFullSnapshots();
  assert.deepEqual(list.map((s) => s.name), [snap.name]);
  const r = await fetch(`${base}/snapshots/${snap.name}`);
  assert.equal(r.status, 200);
  bytes = Buffer.from(await r.arrayBuffer());
  assert.equal(bytes.length, snap.size);
  assert.equal(sha256(bytes), snap.checksum);
});

test('recover a full snapshot from a file, then from an http:// URL', async () => {
  await mutate();
  let r = await request('PUT', '/snapshots/recover', {
    location: `file://${join(dir, 'full-snapshots', snap.name)}`, checksum: snap.checksum,
  });
  assert.equal(r.status, 200, r.error);
  await assertRestored();

  await mutate();
  served.set('/full.snapshot', bytes);
  r = await request('PUT', '/snapshots/recover', { location: `${filesUrl}/full.snapshot`, priority: 'snapshot' });
  assert.equal(r.status, 200, r.error);
  await assertRestored();
});

test('recover a collection snapshot from an http:// URL', async () => {
  const s = await client.createSnapshot('b');
  const got = Buffer.from(await (await fetch(`${base}/collections/b/snapshots/${s.name}`)).arrayBuffer());
  served.set('/b.snapshot', got);
  const r = await request('PUT', '/collections/copy/snapshots/recover', {
    location: `${filesUrl}/b.snapshot`, checksum: s.checksum,
  });
  assert.equal(r.status, 200, r.error);
  assert.equal(await count('copy'), 12);
});

test('bad recoveries are refused and change nothing', async () => {
  await client.delete('a', { wait: true, points: [30] });
  const before = await count('a');
  const truncated = bytes.subarray(0, bytes.length - 5000);
  served.set('/truncated.snapshot', truncated);
  const corrupt = Buffer.from(bytes);
  corrupt[Math.floor(corrupt.length / 2)] ^= 0x55;  // inside a collection's archive
  served.set('/corrupt.snapshot', corrupt);
  const s = await client.createSnapshot('a');
  served.set('/collection.snapshot', Buffer.from(await (await fetch(`${base}/collections/a/snapshots/${s.name}`)).arrayBuffer()));
  for (const [body, status, pattern] of [
    [{ location: `${filesUrl}/full.snapshot`, checksum: '0'.repeat(64) }, 400, /checksum/],
    [{ location: `${filesUrl}/missing.snapshot` }, 400, /404/],
    [{ location: `${filesUrl}/truncated.snapshot` }, 400, /./],
    [{ location: `${filesUrl}/corrupt.snapshot` }, 400, /./],
    [{ location: `${filesUrl}/collection.snapshot` }, 400, /not a full snapshot/],
    [{ location: 'ftp://example/x' }, 400, /location/],
    [{ location: `file://${join(dir, 'nope.snapshot')}` }, 404, /nope/],
    [{ location: `${filesUrl}/full.snapshot`, api_key: 'k' }, 501, /api_key/],
    [{ location: `${filesUrl}/full.snapshot`, where: 'x' }, 400, /where/],
    [{}, 400, /location/],
  ]) {
    const r = await request('PUT', '/snapshots/recover', body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.error}`);
    assert.match(r.error, pattern);
  }
  assert.equal(await count('a'), before);
  assert.equal((await request('GET', '/snapshots/..%2Fauth.json')).status, 400);
  assert.equal((await request('GET', '/snapshots/missing.snapshot')).status, 404);
  assert.equal((await request('DELETE', `/snapshots/${snap.name}`)).status, 200);
  assert.deepEqual(await client.listFullSnapshots(), []);
});

test('only admin keys may recover from a URL', async () => {
  const adir = mkdtempSync(join(tmpdir(), 'ragdb-fullsnap-auth-'));
  const s2 = await startServer(BIN, adir, ['--admin-key', 'root']);
  try {
    const call = async (method, path, body, key) => {
      const r = await fetch(`http://127.0.0.1:${s2.port}${path}`, {
        method, headers: { 'content-type': 'application/json', 'api-key': key }, body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    };
    assert.equal((await call('POST', '/ragdb/tenants', { name: 'acme' }, 'root')).status, 200);
    const key = (await call('POST', '/ragdb/tenants/acme/keys', { role: 'read-write' }, 'root')).body.result.key;
    let r = await call('PUT', '/snapshots/recover', { location: `${filesUrl}/full.snapshot` }, key);
    assert.equal(r.status, 403);
    assert.match(r.body.status.error, /admin/);
    r = await call('PUT', '/snapshots/recover', { location: `file://${join(dir, 'x.snapshot')}` }, key);
    assert.equal(r.status, 403);
    r = await call('PUT', '/snapshots/recover', { location: `${filesUrl}/full.snapshot` }, 'root');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await call('POST', '/collections/a/points/count', {}, 'root');
    assert.equal(r.body.result.count, 30);
  } finally {
    await stopServer(s2);
    rmSync(adir, { recursive: true, force: true });
  }
});
