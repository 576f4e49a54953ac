// ragdb cluster mode end to end: 3 etcd members, s3rver, 3 ragdb nodes on loopback (lease TTL
// 2 s). One shared cluster; the scenarios run in order: results equal a single node, kill -9 of
// a node during writes, SIGSTOP of an owner past its lease, the etcd leader killed during writes,
// and a full restart from etcd + object storage with empty caches.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, call, ok, rng, sleep } from './harness.mjs';

const TTL = 2;
const N = 20000;
const DIM = 8;
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'quick', 'brown', 'fox', 'lazy', 'dog', 'river',
  'stone', 'cloud', 'ember', 'frost', 'grove', 'harbor'];
// Small seal threshold: shards seal segments (with HNSW) and publish snapshots during the test.
const CONFIG = '[cluster]\nsnapshot_rows = 1500\nseal_threshold_rows = 2000\n';
const CREATE = {
  vectors: { dense: { size: DIM, distance: 'Cosine' } },
  sparse_vectors: { bm25: { modifier: 'idf' } },
  hnsw_config: { m: 16, ef_construct: 100 },
};

const h = new Harness('main');
let etcd, s3, nodes, single;
const r = rng(42);
const vec = () => Array.from({ length: DIM }, () => r() * 2 - 1);
const text = () => Array.from({ length: 6 }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
const point = (id) => ({
  id,
  vector: { dense: vec(), bm25: { text: text(), model: 'qdrant/bm25' } },
  payload: { cat: `c${id % 5}`, price: id % 100 },
});

before(async () => {
  etcd = await h.startEtcd(3);
  s3 = await h.startS3();
  nodes = [];
  for (const id of ['n1', 'n2', 'n3']) nodes.push(await h.startNode(id, { etcd, objectStore: s3, ttl: TTL, config: CONFIG }));
  single = await h.startSingle();
});

after(async () => { await h.close(); });

const points = (base, ids) => ok(base, 'POST', '/collections/items/points', { ids, with_payload: true, with_vector: false });

test('a 4-shard collection answers as one node does', async () => {
  await ok(nodes[0].url, 'PUT', '/collections/items', { ...CREATE, shard_number: 4, replication_factor: 2 });
  await ok(single.url, 'PUT', '/collections/items', CREATE);
  const info = await ok(nodes[1].url, 'GET', '/collections/items/cluster');
  assert.equal(info.shard_count, 4);
  const all = [...info.local_shards, ...info.remote_shards];
  assert.ok(all.every((s) => s.state === 'Active'));
  // 20k points, batches of 500 through every node in turn, the same batches to the single node.
  for (let b = 0; b < N / 500; b++) {
    const batch = Array.from({ length: 500 }, (_, i) => point(b * 500 + i + 1));
    await ok(nodes[b % 3].url, 'PUT', '/collections/items/points?wait=true', { points: batch });
    await ok(single.url, 'PUT', '/collections/items/points?wait=true', { points: batch });
  }
  const ask = async (route, body) => [await ok(nodes[Math.floor(r() * 3)].url, 'POST', route, body),
    await ok(single.url, 'POST', route, body)];
  // Exact dense search, with and without filters: identical ids and scores.
  for (let q = 0; q < 20; q++) {
    const body = { vector: { name: 'dense', vector: vec() }, limit: 10, params: { exact: true },
      with_payload: true };
    if (q % 2) body.filter = { must: [{ key: 'cat', match: { value: `c${q % 5}` } }, { key: 'price', range: { lt: 50 } }] };
    if (q % 4 === 3) body.offset = 5;
    const [c, s] = await ask('/collections/items/points/search', body);
    assert.deepEqual(c.map((p) => [p.id, p.score]), s.map((p) => [p.id, p.score]));
    assert.deepEqual(c.map((p) => p.payload), s.map((p) => p.payload));
  }
  // HNSW (per-shard graphs) against exact: recall@10 within 0.01 of the single node's.
  let hits = 0, single_hits = 0, total = 0;
  for (let q = 0; q < 30; q++) {
    const v = vec();
    const exact = (await ok(single.url, 'POST', '/collections/items/points/search',
      { vector: { name: 'dense', vector: v }, limit: 10, params: { exact: true } })).map((p) => p.id);
    const approx = (await ok(nodes[q % 3].url, 'POST', '/collections/items/points/search',
      { vector: { name: 'dense', vector: v }, limit: 10 })).map((p) => p.id);
    const sapprox = (await ok(single.url, 'POST', '/collections/items/points/search',
      { vector: { name: 'dense', vector: v }, limit: 10 })).map((p) => p.id);
    hits += approx.filter((id) => exact.includes(id)).length;
    single_hits += sapprox.filter((id) => exact.includes(id)).length;
    total += 10;
  }
  assert.ok(hits / total >= single_hits / total - 0.01, `cluster recall ${hits / total} vs ${single_hits / total}`);
  // BM25 (statistics summed over the shards) and hybrid RRF: identical.
  for (let q = 0; q < 10; q++) {
    const words = `${WORDS[q]} ${WORDS[(q * 7 + 3) % WORDS.length]}`;
    const [c, s] = await ask('/collections/items/points/query',
      { query: { text: words, model: 'qdrant/bm25' }, using: 'bm25', limit: 10 });
    assert.deepEqual(c.points.map((p) => [p.id, p.score]), s.points.map((p) => [p.id, p.score]));
    const hybrid = {
      prefetch: [{ query: vec(), using: 'dense', limit: 30, params: { exact: true } },
        { query: { text: words, model: 'qdrant/bm25' }, using: 'bm25', limit: 30 }],
      query: { fusion: 'rrf' }, limit: 10,
    };
    const [ch, sh] = await ask('/collections/items/points/query', hybrid);
    assert.deepEqual(ch.points.map((p) => [p.id, p.score]), sh.points.map((p) => [p.id, p.score]));
  }
  // count and scroll are exact.
  for (const filter of [undefined, { must: [{ key: 'cat', match: { value: 'c3' } }] }]) {
    const [c, s] = await ask('/collections/items/points/count', { exact: true, filter });
    assert.equal(c.count, s.count);
  }
  assert.equal((await ok(nodes[2].url, 'POST', '/collections/items/points/count', { exact: true })).count, N);
  for (const filter of [undefined, { must: [{ key: 'price', range: { gte: 90 } }] }]) {
    let offset = null, pages = 0;
    do {
      const body = { limit: 997, offset, filter, with_payload: true };
      const [c, s] = await ask('/collections/items/points/scroll', body);
      assert.deepEqual(c.points.map((p) => p.id), s.points.map((p) => p.id));
      assert.deepEqual(c.next_page_offset, s.next_page_offset);
      offset = c.next_page_offset;
      pages++;
    } while (offset !== null && offset !== undefined);
    assert.ok(pages >= 2);
  }
  // Deletes and payload updates route to the owners; the single node agrees afterwards.
  const del = { filter: { must: [{ key: 'price', range: { lt: 3 } }] } };
  await ok(nodes[1].url, 'POST', '/collections/items/points/delete?wait=true', del);
  await ok(single.url, 'POST', '/collections/items/points/delete?wait=true', del);
  const [c, s] = await ask('/collections/items/points/count', { exact: true });
  assert.equal(c.count, s.count);
  assert.equal(c.count, N - 600);
  // The metrics have per-shard lines; /cluster lists the peers.
  const metrics = await (await fetch(`${nodes[0].url}/metrics`)).text();
  assert.match(metrics, /ragdb_cluster_shard_applied_seq\{collection="items",shard="\d",role="(owner|replica)"\} \d+/);
  assert.match(metrics, /ragdb_cluster_shard_snapshots_total\{[^}]*role="owner"\} [1-9]/);
  const cl = await ok(nodes[0].url, 'GET', '/cluster');
  assert.equal(cl.status, 'enabled');
  assert.deepEqual(Object.keys(cl.peers).sort(), ['n1', 'n2', 'n3']);
});

test('recommend, discover, facets, ordered scrolls, MMR, samples and the search matrix answer as one node does', async () => {
  for (const base of [nodes[0].url, single.url]) {
    await ok(base, 'PUT', '/collections/items/index?wait=true', { field_name: 'price', field_schema: 'integer' });
  }
  const ask = async (route, body) => [await ok(nodes[Math.floor(r() * 3)].url, 'POST', route, body),
    await ok(single.url, 'POST', route, body)];
  const same = (c, s, what) => assert.deepEqual(c.map((p) => [p.id, p.score]), s.map((p) => [p.id, p.score]), what);
  const filter = { must: [{ key: 'cat', match: { any: ['c1', 'c2', 'c4'] } }] };
  // Stored points (on any shard) and vectors as examples; the three strategies; filters, offsets.
  for (const strategy of ['average_vector', 'best_score', 'sum_scores']) {
    const body = { positive: [105, 2006, vec()], negative: [3007], strategy, using: 'dense', limit: 10,
      params: { exact: true }, with_payload: true };
    const [c, s] = await ask('/collections/items/points/recommend', body);
    same(c, s, strategy);
    assert.ok(!c.some((p) => [105, 2006, 3007].includes(p.id)), 'an example came back');
    const [cf, sf] = await ask('/collections/items/points/recommend', { ...body, filter, offset: 3 });
    same(cf, sf, `${strategy} filtered`);
    const [cq, sq] = await ask('/collections/items/points/query',
      { query: { recommend: { positive: [105, 2006], negative: [3007], strategy } }, using: 'dense', limit: 10, params: { exact: true } });
    same(cq.points, sq.points, `query ${strategy}`);
  }
  const missing = await call(nodes[1].url, 'POST', '/collections/items/points/recommend', { positive: [999999], using: 'dense', limit: 3 });
  assert.equal(missing.status, 404, JSON.stringify(missing.body));
  assert.match(JSON.stringify(missing.body), /999999/);
  // Discovery (target + context), context alone, through both APIs.
  const context = [{ positive: 11, negative: 12 }, { positive: vec(), negative: 5005 }];
  let [c, s] = await ask('/collections/items/points/discover', { target: 7007, context, using: 'dense', limit: 15 });
  same(c, s, 'discover');
  [c, s] = await ask('/collections/items/points/query', { query: { context }, using: 'dense', limit: 15, filter });
  same(c.points, s.points, 'context');
  // Facets: counts summed over the shards, in the same order, filtered.
  for (const body of [{ key: 'cat', limit: 10, exact: true }, { key: 'price', limit: 7, exact: true, filter }]) {
    [c, s] = await ask('/collections/items/facet', body);
    assert.deepEqual(c.hits, s.hits, `facet ${body.key}`);
    assert.ok(c.hits.length > 0);
  }
  // Scroll ordered by a payload value, both directions, from a value, with a filter.
  for (const order_by of [{ key: 'price' }, { key: 'price', direction: 'desc', start_from: 70 }]) {
    [c, s] = await ask('/collections/items/points/scroll', { limit: 120, order_by, filter, with_payload: true });
    assert.deepEqual(c.points.map((p) => [p.id, p.payload.price]), s.points.map((p) => [p.id, p.payload.price]),
      `order_by ${JSON.stringify(order_by)}`);
    assert.equal(c.points.length, 120);
    [c, s] = await ask('/collections/items/points/query', { query: { order_by }, limit: 30 });
    assert.deepEqual(c.points.map((p) => p.id), s.points.map((p) => p.id));
  }
  // MMR over the collection's nearest candidates (exact, so that they are the single node's).
  for (const diversity of [0, 0.5, 0.9]) {
    [c, s] = await ask('/collections/items/points/query', {
      query: { nearest: vec(), mmr: { diversity, candidates_limit: 40 } }, using: 'dense', limit: 8,
      params: { exact: true },
    });
    same(c.points, s.points, `mmr ${diversity}`);
  }
  // Random samples: the limit, no repeats, only stored points the filter lets through (the
  // draw's fairness over the shards is checked in shard_reads_test.cc).
  const sample = await ok(nodes[2].url, 'POST', '/collections/items/points/query',
    { query: { sample: 'random' }, limit: 40, filter, with_payload: true });
  assert.equal(sample.points.length, 40);
  assert.equal(new Set(sample.points.map((p) => p.id)).size, 40);
  assert.ok(sample.points.every((p) => ['c1', 'c2', 'c4'].includes(p.payload.cat)));
  const stored = await points(single.url, sample.points.map((p) => p.id));
  assert.equal(stored.length, 40);
  // The search matrix of a sample: each sampled point's nearest other sampled points, scored
  // as a search scores them (cosine of the stored vectors).
  const m = await ok(nodes[0].url, 'POST', '/collections/items/points/search/matrix/offsets',
    { sample: 16, limit: 3, using: 'dense', filter });
  assert.equal(m.ids.length, 16);
  assert.equal(m.offsets_row.length, 16 * 3);
  const vecs = new Map((await ok(single.url, 'POST', '/collections/items/points',
    { ids: m.ids, with_vector: true })).map((p) => [p.id, p.vector.dense]));
  const cos = (a, b) => a.reduce((acc, x, i) => acc + x * b[i], 0);
  for (let i = 0; i < m.scores.length; i++) {
    const a = m.ids[m.offsets_row[i]];
    const others = m.ids.filter((id) => id !== a).map((id) => cos(vecs.get(a), vecs.get(id))).sort((x, y) => y - x);
    assert.ok(Math.abs(m.scores[i] - cos(vecs.get(a), vecs.get(m.ids[m.offsets_col[i]]))) < 1e-5);
    assert.ok(Math.abs(m.scores[i] - others[i % 3]) < 1e-5, `row ${m.offsets_row[i]} rank ${i % 3}`);
  }
});

test('vector updates and deletes, index drops and index changes apply on every shard', async () => {
  const create = { vectors: { dense: { size: DIM, distance: 'Cosine' }, other: { size: 3, distance: 'Dot' } } };
  await ok(nodes[0].url, 'PUT', '/collections/alter', { ...create, shard_number: 4, replication_factor: 2 });
  await ok(single.url, 'PUT', '/collections/alter', create);
  const pts = Array.from({ length: 400 }, (_, i) => ({ id: i + 1, vector: { dense: vec(), other: [r(), r(), r()] },
    payload: { k: i % 7 } }));
  for (const base of [nodes[1].url, single.url]) {
    await ok(base, 'PUT', '/collections/alter/points?wait=true', { points: pts });
    await ok(base, 'PUT', '/collections/alter/index?wait=true', { field_name: 'k', field_schema: 'integer' });
  }
  const both = async (method, route, body) => [await ok(nodes[Math.floor(r() * 3)].url, method, route, body),
    await ok(single.url, method, route, body)];
  // New vectors for some points, one vector field removed from others: every copy agrees.
  const update = { points: [{ id: 7, vector: { dense: vec() } }, { id: 300, vector: { dense: vec(), other: [1, 2, 3] } }] };
  await both('PUT', '/collections/alter/points/vectors?wait=true', update);
  await both('POST', '/collections/alter/points/vectors/delete?wait=true', { points: [8, 9, 301], vector: ['other'] });
  const ids = [7, 8, 9, 300, 301, 5];
  let [c, s] = await both('POST', '/collections/alter/points', { ids, with_vector: true, with_payload: true });
  assert.deepEqual(c, s);
  assert.ok(!('other' in c.find((p) => p.id === 8).vector) && 'other' in c.find((p) => p.id === 5).vector);
  const q = { vector: { name: 'dense', vector: update.points[0].vector.dense }, limit: 5, params: { exact: true } };
  [c, s] = await both('POST', '/collections/alter/points/search', q);
  assert.deepEqual(c.map((p) => [p.id, p.score]), s.map((p) => [p.id, p.score]));
  assert.equal(c[0].id, 7);
  const missing = await call(nodes[2].url, 'PUT', '/collections/alter/points/vectors?wait=true',
    { points: [{ id: 99999, vector: { dense: vec() } }] });
  assert.equal(missing.status, 404, JSON.stringify(missing.body));
  // A payload index dropped, a vector index's parameters changed: in the catalog every node
  // reads, and in every shard (filters still answer; the index rebuilds in the background).
  await both('DELETE', '/collections/alter/index/k?wait=true');
  await both('PATCH', '/collections/alter', { hnsw_config: { m: 8, ef_construct: 40 } });
  for (const n of nodes) {
    // Other nodes read the catalog at their next reconcile tick (TTL / 8).
    let info;
    for (let i = 0; i < 40; i++) {
      info = await ok(n.url, 'GET', '/collections/alter');
      if (info.config.hnsw_config.m === 8) break;
      await sleep(100);
    }
    assert.ok(!('k' in (info.payload_schema ?? {})), `${n.id} still lists the dropped index`);
    assert.equal(info.config.hnsw_config.m, 8, n.id);
    assert.equal(info.config.hnsw_config.ef_construct, 40, n.id);
  }
  const gone = await call(nodes[0].url, 'DELETE', '/collections/alter/index/k?wait=true');
  assert.equal(gone.status, 404, JSON.stringify(gone.body));
  [c, s] = await both('POST', '/collections/alter/points/count', { exact: true, filter: { must: [{ key: 'k', match: { value: 3 } }] } });
  assert.equal(c.count, s.count);
  assert.ok(c.count > 0);
});

// The sum of a metric's values on a node (over every label set that matches `labels`).
async function metric(node, name, labels = '') {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name + '{') || line.startsWith(name + ' ')) {
      if (labels && !line.includes(labels)) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}
const totalOf = async (name, labels) => (await Promise.all(nodes.map((n) => metric(n, name, labels))))
  .reduce((a, b) => a + b, 0);

test('replicas serve reads with consistency=replica, never older than what the node saw', async () => {
  const replicaReads = () => totalOf('ragdb_cluster_shard_reads_total', 'role="replica"');
  const search = (v) => ({ vector: { name: 'dense', vector: v }, limit: 10, params: { exact: true } });
  await sleep(1000);  // replicas tail the last writes
  // By default the owners answer: no replica copy reads anything.
  let before = await replicaReads();
  for (let q = 0; q < 9; q++) await ok(nodes[q % 3].url, 'POST', '/collections/items/points/search', search(vec()));
  assert.equal(await replicaReads(), before);
  // consistency=replica: the same answers, and replica copies give some of them.
  for (let q = 0; q < 30; q++) {
    const v = vec();
    const via = nodes[q % 3].url;
    const mine = await ok(via, 'POST', '/collections/items/points/search?consistency=replica', search(v));
    const owners = await ok(via, 'POST', '/collections/items/points/search', search(v));
    assert.deepEqual(mine.map((p) => [p.id, p.score]), owners.map((p) => [p.id, p.score]));
  }
  assert.ok(await replicaReads() > before, 'no read went to a replica');
  // A write acknowledged through a node is in that node's replica reads at once.
  for (let k = 0; k < 6; k++) {
    const via = nodes[k % 3].url;
    const p = point(5_000_000 + k);
    await ok(via, 'PUT', '/collections/items/points?wait=true', { points: [p] });
    const got = await ok(via, 'POST', '/collections/items/points?consistency=replica', { ids: [p.id], with_payload: true });
    assert.equal(got.length, 1, `write ${k} not visible to a replica read through the same node`);
    assert.deepEqual(got[0].payload, p.payload);
  }
  // Qdrant's values are understood; anything else is refused, naming the value.
  for (const c of ['majority', 'quorum', 'all', '1', '2', 'owner', 'replica']) {
    await ok(nodes[0].url, 'POST', `/collections/items/points/count?consistency=${c}`, { exact: true });
  }
  const bad = await call(nodes[0].url, 'POST', '/collections/items/points/count?consistency=sometimes', { exact: true });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /consistency.*sometimes/);

  // replication_factor 3 on 3 nodes: every node holds every shard, and replica reads never leave
  // the node that got them (no call to another node), so each node adds read throughput.
  await ok(nodes[0].url, 'PUT', '/collections/everywhere', { ...CREATE, shard_number: 4, replication_factor: 3 });
  const pts = Array.from({ length: 400 }, (_, i) => point(i + 1));
  await ok(nodes[1].url, 'PUT', '/collections/everywhere/points?wait=true', { points: pts });
  await sleep(1500);
  before = await totalOf('ragdb_cluster_remote_reads_total');
  for (let q = 0; q < 30; q++) {
    const v = vec();
    const local = await ok(nodes[q % 3].url, 'POST', '/collections/everywhere/points/search?consistency=replica', search(v));
    assert.equal(local.length, 10);
  }
  assert.equal(await totalOf('ragdb_cluster_remote_reads_total'), before, 'replica reads called other nodes');
  assert.equal((await ok(nodes[2].url, 'POST', '/collections/everywhere/points/count?consistency=replica', { exact: true })).count, 400);
  await ok(nodes[0].url, 'DELETE', '/collections/everywhere');
});

// Writes a stream of small batches through `via` until stop(); returns the acknowledged ids.
async function writeStream(via, firstId, stop, acked, errors) {
  let id = firstId;
  while (!stop()) {
    const batch = Array.from({ length: 20 }, (_, i) => point(id + i));
    const res = await call(via().url, 'PUT', '/collections/items/points?wait=true', { points: batch }, 60000)
      .catch((e) => ({ status: 0, body: String(e) }));
    if (res.status === 200) batch.forEach((p) => acked.push(p.id));
    else errors.push(res);
    id += 20;
  }
  return id;
}

async function assertAllPresent(via, ids) {
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const got = await points(via.url, chunk);
    assert.equal(got.length, chunk.length, `missing acknowledged points among ${chunk[0]}..`);
  }
}

test('kill -9 of a node during a write stream loses no acknowledged point', async () => {
  const acked = [], errors = [];
  let stop = false;
  const stream = writeStream(() => nodes[1], 1_000_000, () => stop, acked, errors);
  await sleep(1500);
  const before = acked.length;
  nodes[0].proc.kill('SIGKILL');
  await nodes[0].proc.exited;
  await sleep((TTL + 3) * 1000);
  stop = true;
  await stream;
  assert.ok(before > 0 && acked.length > before, `writes went on after the kill (${before} -> ${acked.length})`);
  await assertAllPresent(nodes[2], acked);
  // The node comes back with an empty cache and takes its share again.
  nodes[0] = await h.startNode('n1', { etcd, objectStore: s3, port: nodes[0].port, ttl: TTL, config: CONFIG });
  await sleep(TTL * 1000);
  await assertAllPresent(nodes[0], acked);
});

test('an owner paused past its lease acknowledges nothing it has not made durable', async () => {
  const victim = nodes[2];
  const before = await ok(nodes[0].url, 'POST', '/collections/items/points/count', { exact: true });
  victim.proc.kill('SIGSTOP');
  // Requests queue on the paused node's socket; the others take its shards after the TTL.
  const base = 2_000_000;
  const pending = [0, 1, 2, 3, 4].map((k) => call(victim.url, 'PUT', '/collections/items/points?wait=true',
    { points: Array.from({ length: 10 }, (_, i) => point(base + k * 10 + i)) }, 60000)
    .catch((e) => ({ status: 0, body: String(e) })));
  await sleep((TTL + 2) * 1000);
  const during = Array.from({ length: 10 }, (_, i) => point(base + 1000 + i));
  await ok(nodes[0].url, 'PUT', '/collections/items/points?wait=true', { points: during });
  victim.proc.kill('SIGCONT');
  const results = await Promise.all(pending);
  // Whatever the resumed node acknowledged is durable and visible from the other nodes; what it
  // refused is not half there either (each batch lies in one shard or is refused as a whole).
  for (let k = 0; k < results.length; k++) {
    const ids = Array.from({ length: 10 }, (_, i) => base + k * 10 + i);
    const got = await points(nodes[0].url, ids);
    if (results[k].status === 200) assert.equal(got.length, 10, `acknowledged batch ${k} lost`);
  }
  await assertAllPresent(nodes[1], during.map((p) => p.id));
  // It noticed that its lease had expired, and gave up what it owned.
  await sleep(1000);
  const metrics = await (await fetch(`${victim.url}/metrics`)).text();
  assert.match(metrics, /ragdb_cluster_lease_losses_total [1-9]/);
  const after = await ok(nodes[1].url, 'POST', '/collections/items/points/count', { exact: true });
  assert.ok(after.count >= before.count + 10);
});

test('the etcd leader killed during writes: writes go on, none acknowledged is lost', async () => {
  const acked = [], errors = [];
  let stop = false;
  const stream = writeStream(() => nodes[acked.length % 3], 3_000_000, () => stop, acked, errors);
  await sleep(1000);
  const leader = await h.etcdLeader();
  assert.notEqual(leader, null);
  h.etcd[leader].proc.kill('SIGKILL');
  const atKill = acked.length;
  await sleep(6000);
  stop = true;
  await stream;
  assert.ok(acked.length > atKill,
    `no write acknowledged after the leader died (${atKill}); last errors: ${JSON.stringify(errors.slice(-2))}`);
  await assertAllPresent(nodes[1], acked);
});

test('the whole cluster restarts from etcd and object storage with empty caches', async () => {
  const queries = Array.from({ length: 10 }, () => vec());
  const search = (base, v) => ok(base, 'POST', '/collections/items/points/search',
    { vector: { name: 'dense', vector: v }, limit: 10, params: { exact: true } });
  const expected = [];
  for (const v of queries) expected.push((await search(nodes[0].url, v)).map((p) => [p.id, p.score]));
  const count = (await ok(nodes[0].url, 'POST', '/collections/items/points/count', { exact: true })).count;
  for (const n of nodes) {
    n.proc.kill('SIGKILL');
    await n.proc.exited;
  }
  await sleep((TTL + 1) * 1000);  // every lease gone
  for (let i = 0; i < 3; i++) {
    nodes[i] = await h.startNode(`n${i + 1}`, { etcd: h.etcd.filter((e) => e.proc.exitCode === null).map((e) => e.url),
      objectStore: s3, port: nodes[i].port, ttl: TTL, config: CONFIG });
  }
  assert.equal((await ok(nodes[2].url, 'POST', '/collections/items/points/count', { exact: true })).count, count);
  for (let q = 0; q < queries.length; q++) {
    assert.deepEqual((await search(nodes[q % 3].url, queries[q])).map((p) => [p.id, p.score]), expected[q]);
  }
});
