// A flood of writes that a node must forward to another node's shards: only
// [cluster] max_forwarded_writes requests wait on other nodes at once; the rest get a clear 503
// with Retry-After, and the node's other requests keep their workers. Two nodes flooding each
// other never stall: the owner side answers forwarded writes from its commit threads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, call, ok, rng, sleep } from './harness.mjs';

const TTL = 4;
const CONFIG = '[server]\nworker_threads = 4\n[cluster]\nmax_forwarded_writes = 2\n';
const h = new Harness('flood');
let nodes;
const byId = {};
const owned = {};  // node id -> a collection whose one shard it owns
const r = rng(11);
const batch = (first, n = 10) => Array.from({ length: n }, (_, i) => ({ id: first + i, vector: [r(), r(), r(), r()] }));

before(async () => {
  const etcd = await h.startEtcd(1);
  const store = `file://${h.dir}/objects`;
  nodes = [];
  for (const id of ['f1', 'f2']) {
    const n = await h.startNode(id, { etcd, objectStore: store, ttl: TTL, config: CONFIG });
    nodes.push(n);
    byId[id] = n;
  }
  // Collections of one shard until each node owns one (placement hashes the name).
  for (let i = 0; i < 16 && Object.keys(owned).length < 2; i++) {
    const name = `c${i}`;
    await ok(nodes[0].url, 'PUT', `/collections/${name}`, { vectors: { size: 4, distance: 'Dot' } });
    const info = await ok(nodes[0].url, 'GET', `/collections/${name}/cluster`);
    const owner = [...info.local_shards, ...info.remote_shards][0].owner;
    owned[owner] ??= name;
  }
  assert.equal(Object.keys(owned).length, 2, 'no collection was placed on each node');
});

after(async () => { await h.close(); });

test('forwarded writes beyond the limit get 503 at once; other requests keep being served', async () => {
  const [a, b] = nodes;  // b forwards to a
  const remote = owned[a.id], local = owned[b.id];
  // a stops answering (well within its lease): b's forwarded writes wait on it.
  a.proc.kill('SIGSTOP');
  const flood = Array.from({ length: 24 }, (_, k) =>
    call(b.url, 'PUT', `/collections/${remote}/points?wait=true`, { points: batch(1000 + k * 10) }, 60000));
  await sleep(300);
  // Meanwhile b still answers what needs no other node, writes included.
  const t0 = Date.now();
  await ok(b.url, 'PUT', `/collections/${local}/points?wait=true`, { points: batch(1) });
  assert.equal((await ok(b.url, 'POST', `/collections/${local}/points/count`, { exact: true })).count, 10);
  await ok(b.url, 'GET', `/collections/${local}`);
  assert.ok(Date.now() - t0 < 3000, `b took ${Date.now() - t0} ms to answer beside the flood`);
  a.proc.kill('SIGCONT');
  const results = await Promise.all(flood);
  const refused = results.filter((x) => x.status === 503);
  const acked = results.filter((x) => x.status === 200);
  assert.equal(refused.length + acked.length, results.length,
    `unexpected answers: ${JSON.stringify(results.filter((x) => x.status !== 200 && x.status !== 503).map((x) => x.body))}`);
  assert.ok(refused.length > 0, 'nothing was refused');
  assert.ok(acked.length >= 1 && acked.length <= 4, `${acked.length} forwarded writes went through`);
  for (const x of refused) {
    assert.match(JSON.stringify(x.body), /max_forwarded_writes/);
    assert.equal(x.headers.get('retry-after'), '1');
  }
  // What was acknowledged is there; what was refused is not.
  const metrics = await (await fetch(`${b.url}/metrics`)).text();
  assert.match(metrics, new RegExp(`ragdb_cluster_forwarded_writes_refused_total ${refused.length}\\b`));
  const count = (await ok(a.url, 'POST', `/collections/${remote}/points/count`, { exact: true })).count;
  assert.equal(count, acked.length * 10);
});

test('two nodes flooding each other with forwarded writes both finish', async () => {
  const [a, b] = nodes;
  const t0 = Date.now();
  const flood = [];
  for (let k = 0; k < 30; k++) {
    const [via, target] = k % 2 ? [a, owned[b.id]] : [b, owned[a.id]];
    flood.push(call(via.url, 'PUT', `/collections/${target}/points?wait=true`, { points: batch(5000 + k * 10) }, 60000));
  }
  const results = await Promise.all(flood);
  assert.ok(results.every((x) => x.status === 200 || x.status === 503), JSON.stringify(results.map((x) => x.status)));
  assert.ok(results.some((x) => x.status === 200));
  assert.ok(Date.now() - t0 < 20000, `took ${Date.now() - t0} ms`);
});
