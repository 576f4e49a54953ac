// Cluster cost on loopback: CPU per point written and per search with 1, 2 and 3 nodes
// (4 shards), against a single-node server on the same data; kill -9 to the first successful
// write on a moved shard; bytes written to object storage per point. Layer: HTTP (Qdrant API).
//   RAGDB_BIN=build/ragdb node bench/cluster_bench.mjs [points=20000] [queries=2000]
// On 2 shared cores wall time says little: CPU seconds of every ragdb process (from
// /proc/PID/stat) are divided by the work done.
import fs from 'node:fs';
import { Harness, ok, call, rng, sleep } from '../tests/cluster/harness.mjs';

const POINTS = Number(process.argv[2] ?? 20000);
const QUERIES = Number(process.argv[3] ?? 2000);
const DIM = 64;
const TTL = 2;
const TICK = 100;  // clock ticks per second (USER_HZ)

const cpu = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;  // utime + stime, seconds
};
const cpuOf = (procs) => procs.reduce((s, p) => s + cpu(p.pid), 0);
const dirBytes = (d) => {
  let n = 0;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    n += e.isDirectory() ? dirBytes(`${d}/${e.name}`) : fs.statSync(`${d}/${e.name}`).size;
  }
  return n;
};

const r = rng(7);
const vec = () => Array.from({ length: DIM }, () => r() * 2 - 1);
const data = Array.from({ length: POINTS }, (_, i) => ({ id: i + 1, vector: vec(), payload: { cat: `c${i % 5}` } }));
const queries = Array.from({ length: QUERIES }, () => vec());

async function load(urls) {
  for (let b = 0; b < POINTS; b += 500) {
    await ok(urls[(b / 500) % urls.length], 'PUT', `/collections/${COL}/points?wait=true`, { points: data.slice(b, b + 500) });
  }
}
async function search(urls) {
  const conc = 8;
  let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < QUERIES) {
      const q = next++;
      await ok(urls[q % urls.length], 'POST', `/collections/${COL}/points/search`, { vector: queries[q], limit: 10 });
    }
  }));
}

const rows = [];
let COL = 'b';
async function measure(label, procs, urls) {
  let c0 = cpuOf(procs), t0 = Date.now();
  await load(urls);
  const ingestCpu = cpuOf(procs) - c0, ingestWall = (Date.now() - t0) / 1000;
  await sleep(500);
  c0 = cpuOf(procs); t0 = Date.now();
  await search(urls);
  const searchCpu = cpuOf(procs) - c0, searchWall = (Date.now() - t0) / 1000;
  const row = { label, us_cpu_per_point: 1e6 * ingestCpu / POINTS, points_per_s_wall: POINTS / ingestWall,
    us_cpu_per_query: 1e6 * searchCpu / QUERIES, qps_wall: QUERIES / searchWall };
  rows.push(row);
  console.log(JSON.stringify(row));
  return row;
}

const h = new Harness('bench');
try {
  // Single node, one collection (the peer).
  const single = await h.startSingle();
  await ok(single.url, 'PUT', '/collections/b', { vectors: { size: DIM, distance: 'Cosine' } });
  const base = await measure('single node (no cluster)', [single.proc], [single.url]);
  single.proc.kill('SIGKILL');

  const etcd = await h.startEtcd(3);
  const results = {};
  for (const n of [1, 2, 3]) {
    const store = `file://${h.dir}/objects-${n}`;
    const nodes = [];
    for (let i = 0; i < n; i++) nodes.push(await h.startNode(`b${n}-${i}`, { etcd, objectStore: store, ttl: TTL }));
    COL = `b${n}`;
    await ok(nodes[0].url, 'PUT', `/collections/${COL}`, { vectors: { size: DIM, distance: 'Cosine' }, shard_number: 4 });
    results[n] = await measure(`cluster, ${n} node(s), 4 shards`, nodes.map((x) => x.proc), nodes.map((x) => x.url));
    if (n === 3) {
      const bytes = dirBytes(`${h.dir}/objects-3`);
      console.log(JSON.stringify({ object_store_bytes: bytes, bytes_per_point: bytes / POINTS,
        raw_vector_bytes_per_point: DIM * 4 }));
      // kill -9 of one node; time to the first acknowledged write on a shard it owned.
      const info = await ok(nodes[1].url, 'GET', `/collections/${COL}/cluster`);
      const victim = nodes[0];
      const owned = info.remote_shards.concat(info.local_shards).filter((s) => s.owner === victim.id).map((s) => s.shard_id);
      // An id that hashes to an owned shard: try ids until count of that shard moves is not
      // observable from outside, so write a batch that covers every shard (100 ids).
      const batch = Array.from({ length: 100 }, (_, i) => ({ id: 900000 + i, vector: vec() }));
      victim.proc.kill('SIGKILL');
      const t0 = Date.now();
      let res;
      do {
        res = await call(nodes[1].url, 'PUT', `/collections/${COL}/points?wait=true`, { points: batch }, 60000);
      } while (res.status !== 200 && Date.now() - t0 < 60000);
      console.log(JSON.stringify({ killed_owner_of_shards: owned, lease_ttl_s: TTL,
        kill_to_first_write_s: (Date.now() - t0) / 1000 }));
    }
    for (const x of nodes) { x.proc.kill('SIGKILL'); await x.proc.exited; }
    await sleep((TTL + 1) * 1000);
  }
  console.log(JSON.stringify({ scatter_gather_cpu_overhead_1_node_4_shards:
    results[1].us_cpu_per_query / base.us_cpu_per_query - 1,
    cpu_per_query_3_nodes_vs_single: results[3].us_cpu_per_query / base.us_cpu_per_query }));
} finally {
  await h.close();
}
