#!/usr/bin/python3
"""Binary quantization against float32 HNSW at the CLI (issue 20): QPS at recall@10 and memory.

For each data set, in one run on the same data, single thread:
  ragdb float32   `create --index hnsw` (the walk reads the float rows);
  ragdb binary    `--quantization binary` (1-bit codes walked by Hamming distance, the beam
                  re-scored with the float rows);
  ragdb binary, frugal   the same under `--memory-limit` (docs/edge.md): the float rows stay on
                  disk and only the rows being re-scored come into memory, as Qdrant's
                  `on_disk: true` vectors with binary codes in RAM;
  ragdb sq8       `--quantization sq8`, for reference;
  ragdb pq        `--quantization pq --pq-m dim/8` (product quantization, x32 compression: one
                  byte per 8 components, the walk summing table lookups, the beam re-scored);
  hnswlib         Debian's python3-hnswlib (float32, same m / ef_construction), the peer.
QPS is each engine's own search-phase rate (the CLI's `qps`, median of 3 runs per ef); memory is
the searching process's peak resident set (GNU time %M) minus the same CLI searching an empty
collection of that dimension (the binary, ICU's data, the allocator): what the collection itself
made resident. Ratios are interpolated at equal recall along the ef sweeps.

  cmake --build build --target ragdb
  /usr/bin/python3 bench/bq_bench.py [--sets bright,synthetic] [--n 100000] [--dim 768]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import ann_bench as ab  # noqa: E402
import edge_bench as eb  # noqa: E402

K = 10
EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
BRIGHT = '../shared/data/ann-bright-bge-large-1024'


def cli(args, data, *a, memory_limit=None):
    pre = ['--memory-limit', memory_limit] if memory_limit else []
    return subprocess.run([args.ragdb, '--data', data, *pre, *a], check=True, capture_output=True,
                          text=True).stdout


def build(args, data, base_path, dim, quantization):
    shutil.rmtree(data, ignore_errors=True)
    t = time.perf_counter()
    extra = ['--pq-m', str(dim // 8)] if quantization == 'pq' else []
    cli(args, data, 'create', 'c', '--dim', str(dim), '--metric', 'cosine', '--index', 'hnsw',
        '--m', str(args.m), '--ef-construction', str(args.efc), '--quantization', quantization,
        *extra)
    cli(args, data, 'import', 'c', '--fvecs', base_path)
    cli(args, data, 'optimize', 'c')
    return time.perf_counter() - t


def sweep(args, data, q_path, gt, tmp, memory_limit=None, baseline=0.0):
    runs = []
    out = os.path.join(tmp, 'found.ivecs')
    pre = ['--memory-limit', memory_limit] if memory_limit else []
    for ef in EFS:
        qps, rss = [], 0
        for _ in range(3):
            text, r = eb.run_rss([args.ragdb, '--data', data, *pre, 'search', 'c', '--queries',
                                  q_path, '--k', str(K), '--threads', '1', '--ef', str(ef),
                                  '--out', out])
            qps.append(json.loads(text)['qps'])
            rss = max(rss, r)
        runs.append({'ef': ef, 'qps': statistics.median(qps), 'rss_mib': rss - baseline,
                     'recall': eb.recall(eb.read_vecs(out, np.int32), gt)})
        if runs[-1]['recall'] >= 0.995:
            break
    return runs


def empty_baseline(args, tmp, dim, q_path):
    data = os.path.join(tmp, 'empty')
    shutil.rmtree(data, ignore_errors=True)
    cli(args, data, 'create', 'c', '--dim', str(dim), '--metric', 'cosine', '--index', 'hnsw')
    _, rss = eb.run_rss([args.ragdb, '--data', data, 'search', 'c', '--queries', q_path, '--k',
                         str(K), '--threads', '1', '--out', os.path.join(tmp, 'empty.ivecs')])
    shutil.rmtree(data)
    return rss


def hnswlib_runs(args, base, q_path, gt, tmp):
    import hnswlib
    h = hnswlib.Index('cosine', base.shape[1])
    h.init_index(len(base), args.m, args.efc, random_seed=100)
    h.add_items(base)
    path = os.path.join(tmp, 'hnswlib.bin')
    h.save_index(path)
    del h
    worker = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'edge_bench.py')
    text, rss = eb.run_rss([sys.executable, worker,
                            '--worker', 'hnswlib', '--index', path, '--q', q_path, '--efs',
                            ','.join(map(str, EFS)), '--min-seconds', '1'])
    j = json.loads(text)
    return [{'ef': r['ef'], 'qps': r['qps'], 'recall': eb.recall(np.array(r['found']), gt),
             'rss_mib': rss - j['baseline_mib']} for r in j['runs']]


def at(runs, target):
    qps = ab.interp_qps(runs, target, 'qps')
    ok = [r for r in runs if r['recall'] >= target]
    mem = min(ok, key=lambda r: r['ef'])['rss_mib'] if ok else None
    return qps, mem


def one_set(args, name, base, queries, gt, tmp):
    dim = base.shape[1]
    bp, qp = os.path.join(tmp, 'base.fvecs'), os.path.join(tmp, 'q.fvecs')
    ab.write_vecs(bp, base)
    ab.write_vecs(qp, queries)
    baseline = empty_baseline(args, tmp, dim, qp)
    float_mib = base.nbytes / 2**20
    print(f'\n{name}: {len(base)} x {dim} cosine, {len(queries)} queries, HNSW m {args.m} '
          f'ef_construction {args.efc}; float32 rows {float_mib:.1f} MiB; '
          f'CLI baseline {baseline:.0f} MiB (subtracted)', flush=True)
    # Frugal: room for the CLI itself, the codes and graph (about 12% of the float rows at 768
    # dimensions) and some re-scored rows; the rest of the float rows stays on disk.
    limit = f'{int(baseline + 0.15 * float_mib) + 16}M'
    results = {}
    for key, label, quant, mem_limit in (
            ('float32', 'ragdb float32', 'none', None),
            ('binary', 'ragdb binary', 'binary', None),
            ('frugal', f'ragdb binary, --memory-limit {limit}', 'binary', limit),
            ('sq8', 'ragdb sq8', 'sq8', None),
            ('pq', 'ragdb pq (x32)', 'pq', None)):
        if key not in args.variants:
            continue
        data = os.path.join(tmp, 'db-' + quant)
        if not os.path.exists(data):
            load = build(args, data, bp, dim, quant)
            print(f'  built {quant} in {load:.0f} s', flush=True)
        results[label] = sweep(args, data, qp, gt, tmp, mem_limit, baseline)
        if mem_limit or quant in ('sq8', 'pq'):
            shutil.rmtree(data)
    if 'hnswlib' in args.variants:
        results['hnswlib (float32)'] = hnswlib_runs(args, base, qp, gt, tmp)
    for target in args.targets:
        print(f'  at recall@10 {target}:')
        rows = {}
        for label, runs in results.items():
            qps, mem = at(runs, target)
            rows[label] = (qps, mem)
            best = max(runs, key=lambda r: r['recall'])
            note = '' if qps else f'  (not reached: at most {best["recall"]:.3f})'
            print(f'    {label:38s} qps {qps or 0:8.0f}  memory {mem or 0:7.1f} MiB{note}')
        f_qps, f_mem = rows.get('ragdb float32', (None, None))
        peer = rows.get('hnswlib (float32)', (None, None))[0]
        for label in results:
            if label.startswith(('ragdb binary', 'ragdb pq')) and rows[label][0] and f_qps:
                q, m = rows[label]
                print(f'    {label}: {q / f_qps:.2f}x the QPS of float32 HNSW, '
                      f'{100 * m / f_mem:.0f}% of its memory' +
                      (f'; {q / peer:.2f}x hnswlib' if peer else ''))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ragdb', default='build/ragdb')
    ap.add_argument('--sets', default='bright,synthetic')
    ap.add_argument('--n', type=int, default=100000)
    ap.add_argument('--dim', type=int, default=768)
    ap.add_argument('--queries', type=int, default=500)
    ap.add_argument('--m', type=int, default=16)
    ap.add_argument('--efc', type=int, default=200)
    ap.add_argument('--variants', default='float32,binary,frugal,sq8,pq,hnswlib',
                    help='which of float32, binary, frugal, sq8, pq, hnswlib to run')
    ap.add_argument('--targets', type=lambda s: [float(x) for x in s.split(',')],
                    default=[0.9, 0.95])
    args = ap.parse_args()
    args.variants = args.variants.split(',')
    tmp = tempfile.mkdtemp(prefix='ragdb-bq-bench-')
    try:
        for name in args.sets.split(','):
            if name == 'bright':
                base = eb.read_vecs(os.path.join(BRIGHT, 'bright_base.fvecs'), np.float32)
                queries = eb.read_vecs(os.path.join(BRIGHT, 'bright_query.fvecs'), np.float32)
                gt = eb.read_vecs(os.path.join(BRIGHT, 'bright_groundtruth.ivecs'), np.int32)
            else:
                base, queries = ab.synthetic(args.n, args.queries, args.dim)
                unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)
                gt = np.argsort(-(unit(queries) @ unit(base).T), axis=1)[:, :K]
            one_set(args, name, base, queries, gt[:, :K], tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
