// hnswlib 0.8 (npm hnswlib-node) searching with an allowed-ids filter callback, for
// bench/db_search_bench.py. Builds the index once, then for each ef times single-threaded
// searches of every query with the filter, and prints one JSON object.
//   node hnswlib_filter.mjs BASE.fvecs QUERIES.fvecs ALLOWED.u8 SPACE M EFC EF,EF,.. K MIN_SECONDS
// ALLOWED.u8 holds one byte per base row (1 = allowed). SPACE is l2 or ip.
import fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { HierarchicalNSW } = require('hnswlib-node');

function readFvecs(path) {
  const buf = fs.readFileSync(path);
  const dim = buf.readInt32LE(0);
  const n = buf.length / (4 * (dim + 1));
  const rows = [];
  for (let i = 0; i < n; ++i) {
    const off = i * 4 * (dim + 1) + 4;
    rows.push(Array.from(new Float32Array(buf.buffer.slice(buf.byteOffset + off,
                                                           buf.byteOffset + off + 4 * dim))));
  }
  return { dim, rows };
}

const [basePath, queryPath, allowedPath, space, m, efc, efs, k, minSeconds] = process.argv.slice(2);
const base = readFvecs(basePath);
const queries = readFvecs(queryPath).rows;
const allowed = fs.readFileSync(allowedPath);
const index = new HierarchicalNSW(space, base.dim);
index.initIndex(base.rows.length, Number(m), Number(efc), 100);
const t0 = process.hrtime.bigint();
base.rows.forEach((row, i) => index.addPoint(row, i));
const buildSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
const filter = (label) => allowed[label] === 1;
const runs = [];
for (const ef of efs.split(',').map(Number)) {
  index.setEf(Math.max(ef, Number(k)));
  let done = 0;
  let ids = [];
  const w0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let elapsed = 0;
  do {
    ids = queries.map((q) => index.searchKnn(q, Number(k), filter).neighbors);
    done += queries.length;
    elapsed = Number(process.hrtime.bigint() - w0) / 1e9;
  } while (elapsed < Number(minSeconds));
  const cpu = process.cpuUsage(c0);
  runs.push({ param: ef, qps: done / elapsed, cpu_qps: done / ((cpu.user + cpu.system) / 1e6), ids });
}
console.log(JSON.stringify({ build_seconds: buildSeconds, runs }));
