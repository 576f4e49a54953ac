#!/usr/bin/python3
"""The edge profile at the CLI: binary size, peak memory and QPS at recall 0.95 (issue 21).

Compares, on the same data in one run:
  full CLI    build/ragdb (the default build: server, TLS, OpenBLAS linked in);
  edge CLI    build-edge/ragdb (`cmake --preset edge`);
  hnswlib     Debian's python3-hnswlib, an HNSW index loaded from its file;
  Faiss       IndexHNSWSQ (8-bit scalar quantizer, as ragdb's sq8) and IndexHNSWFlat;
  sqlite-vec  exact KNN in a vec0 table: the prebuilt extension npm serves
              (sqlite-vec-linux-x64 in bench/peers, installed on first use) in Python's SQLite;
and, when build-edge-aarch64/ragdb and qemu-aarch64-static exist, the aarch64 edge CLI under
qemu beside the x86 edge CLI on a smaller set (emulation: a figure of the cost of qemu, not of
an ARM device).

Every engine searches single-threaded in its own process (ragdb: one CLI run per ef, the median
of 3), so that its peak resident memory (GNU time's %M) is the footprint of searching: for ragdb the whole CLI
run (open, search, write results), for the Python peers the interpreter with numpy and the
peer's module loaded (printed separately as `baseline`) plus the index. ragdb's collection is
`--index hnsw --quantization sq8` (HNSW walks 8-bit codes and re-ranks with the full vectors).
QPS is each engine's own search-phase rate (the CLI's reported `qps`); ratios are interpolated
at equal recall@10 along the ef sweep.

  cmake --build build --target ragdb && cmake --preset edge && cmake --build --preset edge
  /usr/bin/python3 bench/edge_bench.py [--n 100000] [--dim 384] [--queries 500] [--qemu-n 20000]
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

K = 10
EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192]
HERE = os.path.dirname(os.path.abspath(__file__))
# sqlite-vec's prebuilt extension from npm (bench/peers; `npm install` there), loaded into
# Python's SQLite.
SQLITE_VEC = os.path.join(HERE, 'peers', 'node_modules', 'sqlite-vec-linux-x64', 'vec0.so')


def read_vecs(path, dtype):
    a = np.fromfile(path, dtype=np.int32)
    return a.reshape(-1, a[0] + 1)[:, 1:].view(dtype).copy()


def rss_mib():
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) for line in f if line.startswith('VmRSS:')) / 1024


def run_rss(cmd):
    """stdout and peak RSS (MiB) of one command. GNU time measures it: the rusage of a child
    forked from this (large) Python process would count the parent's pages shared before exec."""
    with tempfile.NamedTemporaryFile('r') as f:
        p = subprocess.run(['/usr/bin/time', '-f', '%M', '-o', f.name, *cmd], capture_output=True,
                           text=True)
        if p.returncode:
            raise SystemExit(f'{" ".join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}')
        return p.stdout, int(f.read().split()[-1]) / 1024


def recall(found, gt):
    hit = sum(len(set(found[i][:K].tolist()) & set(gt[i][:K].tolist())) for i in range(len(gt)))
    return hit / (len(gt) * K)


def stripped_mib(path, strip='strip'):
    if not os.path.exists(path):
        return None
    tmp = path + '.stripped-bench'
    subprocess.run([strip, '-o', tmp, path], check=True)
    size = os.path.getsize(tmp) / 2**20
    os.remove(tmp)
    return size


# ------------------------------------------------------------------ ragdb CLI

def ragdb_build(cli, data, base_path, dim, prefix=()):
    shutil.rmtree(data, ignore_errors=True)
    run = lambda *a: subprocess.run([*prefix, cli, '--data', data, *a], check=True,
                                    capture_output=True, text=True)
    t = time.perf_counter()
    run('create', 'c', '--dim', str(dim), '--metric', 'cosine', '--index', 'hnsw',
        '--quantization', 'sq8')
    run('import', 'c', '--fvecs', base_path)
    run('optimize', 'c')
    return time.perf_counter() - t


def ragdb_sweep(cli, data, q_path, gt, tmp, efs, prefix=(), repeat=3):
    runs = []
    out = os.path.join(tmp, 'found.ivecs')
    for ef in efs:
        qps, rss = [], 0
        for _ in range(repeat):  # one CLI run is a few ms of search: take the median of several
            text, r = run_rss([*prefix, cli, '--data', data, 'search', 'c', '--queries', q_path,
                               '--k', str(K), '--threads', '1', '--ef', str(ef), '--out', out])
            qps.append(json.loads(text)['qps'])
            rss = max(rss, r)
        runs.append({'ef': ef, 'qps': statistics.median(qps), 'rss_mib': rss,
                     'recall': recall(read_vecs(out, np.int32), gt)})
    return runs


# ------------------------------------------------------------------ peers (worker processes)

def worker(args):
    """Loads one saved peer index, searches the queries at each ef, prints JSON. Imports only
    that peer's module (ann_bench imports both), so the baseline is the peer's own."""
    if args.worker == 'hnswlib':
        import hnswlib
    elif args.worker == 'sqlite-vec':
        import sqlite3
    else:
        import faiss
        faiss.omp_set_num_threads(1)
    baseline = rss_mib()
    q = read_vecs(args.q, np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    if args.worker == 'hnswlib':
        index = hnswlib.Index('cosine', q.shape[1])
        index.load_index(args.index)
        index.set_num_threads(1)
    elif args.worker == 'sqlite-vec':
        index = sqlite3.connect(args.index)
        index.enable_load_extension(True)
        index.load_extension(SQLITE_VEC[:-3])
    else:
        index = faiss.read_index(args.index)
    runs = []
    for ef in map(int, args.efs.split(',')):
        if args.worker == 'hnswlib':
            index.set_ef(max(ef, K))
            search = lambda: index.knn_query(q, K)[0]
        elif args.worker == 'sqlite-vec':  # exact: vec0 scans every row; ef does not apply
            sql = 'SELECT rowid FROM v WHERE embedding MATCH ? AND k = ? ORDER BY distance'
            search = lambda: np.array([[r[0] for r in index.execute(sql, (x.tobytes(), K))]
                                       for x in q])
        else:
            index.hnsw.efSearch = max(ef, K)
            search = lambda: index.search(q, K)[1]
        done, t0 = 0, time.perf_counter()
        while True:
            found = search()
            done += len(q)
            el = time.perf_counter() - t0
            if el >= args.min_seconds:
                break
        runs.append({'ef': ef, 'qps': done / el, 'found': found.tolist()})
    print(json.dumps({'baseline_mib': baseline, 'runs': runs}))


def peer_sweep(kind, index_path, q_path, gt, efs, min_seconds):
    text, rss = run_rss([sys.executable, os.path.abspath(__file__), '--worker', kind,
                            '--index', index_path, '--q', q_path, '--efs',
                            ','.join(map(str, efs)), '--min-seconds', str(min_seconds)])
    j = json.loads(text)
    runs = [{'ef': r['ef'], 'qps': r['qps'], 'recall': recall(np.array(r['found']), gt),
             'rss_mib': rss} for r in j['runs']]
    return runs, j['baseline_mib']


def build_peers(base, tmp, m, efc):
    import faiss
    import hnswlib
    faiss.omp_set_num_threads(os.cpu_count())
    unit = base / np.linalg.norm(base, axis=1, keepdims=True)
    paths, times = {}, {}
    t = time.perf_counter()
    h = hnswlib.Index('cosine', base.shape[1])
    h.init_index(len(base), m, efc, random_seed=100)
    h.add_items(base)
    times['hnswlib'] = time.perf_counter() - t
    paths['hnswlib'] = os.path.join(tmp, 'hnswlib.bin')
    h.save_index(paths['hnswlib'])
    del h
    for name, make in (('faiss-hnsw-sq8', lambda: faiss.IndexHNSWSQ(
            base.shape[1], faiss.ScalarQuantizer.QT_8bit, m, faiss.METRIC_INNER_PRODUCT)),
                       ('faiss-hnsw-flat', lambda: faiss.IndexHNSWFlat(
                           base.shape[1], m, faiss.METRIC_INNER_PRODUCT))):
        t = time.perf_counter()
        idx = make()
        idx.hnsw.efConstruction = efc
        if not idx.is_trained:
            idx.train(unit)
        idx.add(unit)
        times[name] = time.perf_counter() - t
        paths[name] = os.path.join(tmp, name + '.faiss')
        faiss.write_index(idx, paths[name])
    if os.path.exists(SQLITE_VEC):
        import sqlite3
        t = time.perf_counter()
        paths['sqlite-vec'] = os.path.join(tmp, 'vec.sqlite')
        db = sqlite3.connect(paths['sqlite-vec'])
        db.enable_load_extension(True)
        db.load_extension(SQLITE_VEC[:-3])
        db.execute(f'CREATE VIRTUAL TABLE v USING vec0(embedding float[{base.shape[1]}] '
                   'distance_metric=cosine)')
        db.executemany('INSERT INTO v(rowid, embedding) VALUES (?, ?)',
                       ((i, x.tobytes()) for i, x in enumerate(base)))
        db.commit()
        db.close()
        times['sqlite-vec'] = time.perf_counter() - t
    return paths, times


# ------------------------------------------------------------------ report

def at_recall(runs, target, key='qps'):
    import ann_bench as ab
    return ab.interp_qps(runs, target, key)


def report(results, peers, target):
    print(f'\nQPS at recall@10 {target} (single thread; peak RSS of the searching process):')
    rows = {}
    for name, (runs, extra) in results.items():
        qps = at_recall(runs, target)
        rss = max(r['rss_mib'] for r in runs)
        rows[name] = qps
        if qps is None:  # e.g. Faiss's SQ8 without re-ranking stops short of the target
            best = max(runs, key=lambda r: r['recall'])
            extra = f'recall {target} not reached: at most {best["recall"]:.3f} ' \
                    f'({best["qps"]:.0f} qps, ef {best["ef"]}); ' + extra
        print(f'  {name:22s} qps {qps or 0:9.0f}  peak RSS {rss:7.1f} MiB  {extra}')
    for name in results:
        if name in peers or not rows.get(name):
            continue
        ratios = ', '.join(f'{rows[name] / rows[p]:.2f}x {p}' for p in peers if rows.get(p))
        print(f'  {name}: {ratios}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--worker')
    ap.add_argument('--index')
    ap.add_argument('--q')
    ap.add_argument('--efs')
    ap.add_argument('--min-seconds', type=float, default=1.0)
    ap.add_argument('--full', default='build/ragdb')
    ap.add_argument('--edge', default='build-edge/ragdb')
    ap.add_argument('--aarch64', default='build-edge-aarch64/ragdb')
    ap.add_argument('--n', type=int, default=100000)
    ap.add_argument('--dim', type=int, default=384)
    ap.add_argument('--queries', type=int, default=500)
    ap.add_argument('--qemu-n', type=int, default=20000)
    ap.add_argument('--m', type=int, default=16)
    ap.add_argument('--efc', type=int, default=200)
    ap.add_argument('--target', type=float, default=0.95)
    ap.add_argument('--parts', default='x86,qemu',
                    help='x86: the CLIs beside the peers; qemu: the aarch64 CLI under emulation')
    args = ap.parse_args()
    if args.worker:
        return worker(args)

    import ann_bench as ab
    import faiss
    if not os.path.exists(SQLITE_VEC) and shutil.which('npm'):
        subprocess.run(['npm', 'install', '--no-audit', '--no-fund'], check=True,
                       cwd=os.path.join(HERE, 'peers'), capture_output=True)
    print('binary sizes (stripped):')
    for name, path, strip in (('full CLI', args.full, 'strip'), ('edge CLI', args.edge, 'strip'),
                              ('edge CLI aarch64', args.aarch64, 'aarch64-linux-gnu-strip')):
        size = stripped_mib(path, strip) if shutil.which(strip) else None
        print(f'  {name:18s} {path}: ' + (f'{size:.2f} MiB' if size else 'not built'))

    tmp = tempfile.mkdtemp(prefix='ragdb-edge-bench-')
    try:
        base, queries = ab.synthetic(args.n, args.queries, args.dim)
        bp, qp = os.path.join(tmp, 'base.fvecs'), os.path.join(tmp, 'q.fvecs')
        ab.write_vecs(bp, base)
        ab.write_vecs(qp, queries)
        unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)
        flat = faiss.IndexFlatIP(args.dim)
        flat.add(unit(base))
        gt = flat.search(unit(queries), K)[1]
        print(f'\n{args.n} x {args.dim} clustered, cosine, {args.queries} queries; '
              f'HNSW m {args.m} ef_construction {args.efc}')

        results = {}
        x86 = 'x86' in args.parts.split(',')
        for name, cli in (('full CLI (sq8)', args.full), ('edge CLI (sq8)', args.edge)) * x86:
            if not os.path.exists(cli):
                print(f'  {name}: {cli} not built, skipped')
                continue
            data = os.path.join(tmp, 'db-' + name.split()[0])
            load = ragdb_build(cli, data, bp, args.dim)
            results[name] = (ragdb_sweep(cli, data, qp, gt, tmp, EFS), f'load {load:.0f} s')
            shutil.rmtree(data)
        paths, times = build_peers(base, tmp, args.m, args.efc) if x86 else ({}, {})
        for name, kind in (('hnswlib', 'hnswlib'), ('faiss-hnsw-sq8', 'faiss'),
                           ('faiss-hnsw-flat', 'faiss'), ('sqlite-vec', 'sqlite-vec')):
            if name not in paths:
                if x86:
                    print(f'  {name}: not installed ({SQLITE_VEC}), skipped')
                continue
            efs = [0] if kind == 'sqlite-vec' else EFS
            runs, baseline = peer_sweep(kind, paths[name], qp, gt, efs, args.min_seconds)
            threads = '1 thread' if kind == 'sqlite-vec' else '2 threads'
            results[name] = (runs, f'build {times[name]:.0f} s ({threads}), Python baseline '
                             f'{baseline:.0f} MiB')
        if x86:
            report(results, ['hnswlib', 'faiss-hnsw-sq8', 'faiss-hnsw-flat', 'sqlite-vec'],
                   args.target)

        if ('qemu' in args.parts.split(',') and os.path.exists(args.aarch64)
                and shutil.which('qemu-aarch64-static')):
            n = args.qemu_n
            ab.write_vecs(bp, base[:n])
            flat = faiss.IndexFlatIP(args.dim)
            flat.add(unit(base[:n]))
            gt = flat.search(unit(queries), K)[1]
            print(f'\nunder qemu: {n} x {args.dim}, same queries')
            emu = {}
            for name, cli, prefix in (('edge CLI x86', args.edge, ()),
                                      ('edge CLI aarch64 (qemu)', args.aarch64,
                                       ('qemu-aarch64-static',))):
                data = os.path.join(tmp, 'db-emu')
                load = ragdb_build(cli, data, bp, args.dim, prefix)
                emu[name] = (ragdb_sweep(cli, data, qp, gt, tmp, EFS, prefix, repeat=1), f'load {load:.0f} s')
                shutil.rmtree(data)
            report(emu, ['edge CLI x86'], args.target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
