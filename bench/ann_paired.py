#!/usr/bin/python3
"""Single-thread HNSW QPS of ragdb and a peer measured in the same time window.

On a shared VM throughput drifts by up to 2x within minutes, so sweeps timed one after the
other (bench/ann_bench.py) can disagree from run to run at large n. Here each measurement runs
ragdb (the driver with --paired, on a saved index) pinned to one core while the peer (hnswlib or
Faiss HNSWFlat) searches pinned to the other core at the same time; the cores swap every round
and the figures are medians over the rounds. Both engines see the same machine at the same
moment, sharing the last-level cache and memory bandwidth symmetrically.

  /usr/bin/python3 bench/ann_paired.py --driver build/src/index/ann_bench --n 1000000 \\
      [--peers hnswlib,faiss-hnswflat] [--rounds 4] [--efs 32,48,64,96,128,192]

Needs 2 cores. Data: the synthetic clustered set of ann_bench.py (--n rows, 128-d, l2) or
--set sift5k.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import ann_bench as ab  # noqa: E402


def build_peer(name, base, args):
    t = time.perf_counter()
    if name == 'hnswlib':
        import hnswlib
        p = hnswlib.Index('l2', base.shape[1])
        p.init_index(len(base), args.m, args.efc, random_seed=100)
        p.set_num_threads(os.cpu_count())
        p.add_items(base)
        p.set_num_threads(1)

        def search(q, ef):
            p.set_ef(max(ef, ab.K))
            return p.knn_query(q, ab.K)[0]
    else:
        import faiss
        index = faiss.IndexHNSWFlat(base.shape[1], args.m, faiss.METRIC_L2)
        index.hnsw.efConstruction = args.efc
        faiss.omp_set_num_threads(os.cpu_count())
        index.add(base)
        faiss.omp_set_num_threads(1)

        def search(q, ef):
            index.hnsw.efSearch = max(ef, ab.K)
            return index.search(q, ab.K)[1]
    print(f'{name} built in {time.perf_counter() - t:.1f} s', flush=True)
    return search


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--driver', default='build/src/index/ann_bench')
    ap.add_argument('--set', default='synthetic', choices=['synthetic', 'sift5k'])
    ap.add_argument('--data', default='../shared/data')
    ap.add_argument('--n', type=int, default=1000000)
    ap.add_argument('--nq', type=int, default=1000)
    ap.add_argument('--m', type=int, default=16)
    ap.add_argument('--efc', type=int, default=200)
    ap.add_argument('--efs', default='32,48,64,96,128,192')
    ap.add_argument('--peers', default='hnswlib')
    ap.add_argument('--rounds', type=int, default=4)
    ap.add_argument('--seconds', type=float, default=2.0, help='per measurement')
    args = ap.parse_args()
    if os.cpu_count() < 2:
        sys.exit('needs 2 cores')
    efs = [int(x) for x in args.efs.split(',')]
    if args.set == 'synthetic':
        base, queries = ab.synthetic(args.n, args.nq, 128)
        gt = ab.ground_truth(base, queries, 'l2')
    else:
        p = os.path.join(args.data, 'ann-sift5k')
        base = ab.read_vecs(os.path.join(p, 'sift5k_base.fvecs'), np.float32)
        queries = ab.read_vecs(os.path.join(p, 'sift5k_query.fvecs'), np.float32)
        gt = ab.read_vecs(os.path.join(p, 'sift5k_groundtruth.ivecs'), np.int32)
    print(f'{args.set}: n={len(base)} queries={len(queries)} m={args.m} '
          f'ef_construction={args.efc}', flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        bp, qp, gp = (os.path.join(tmp, f) for f in ('b.fvecs', 'q.fvecs', 'g.ivecs'))
        ab.write_vecs(bp, base)
        ab.write_vecs(qp, queries)
        ab.write_vecs(gp, gt.astype(np.int32))
        saved = os.path.join(tmp, 'hnsw.idx')
        cmd = [args.driver, '--base', bp, '--query', qp, '--gt', gp, '--metric', 'l2',
               '--index', 'hnsw', '--m', str(args.m), '--efc', str(args.efc)]
        t = time.perf_counter()
        subprocess.run(cmd + ['--sweep', str(efs[0]), '--min_seconds', '0.1', '--save', saved],
                       check=True, capture_output=True)
        print(f'ragdb built in {time.perf_counter() - t:.1f} s', flush=True)
        searchers = {name: build_peer(name, base, args) for name in args.peers.split(',')}
        del base
        for peer, search in searchers.items():
            qps = {'ragdb': {e: [] for e in efs}, peer: {e: [] for e in efs}}
            rec = {}
            for rnd in range(args.rounds):
                ragdb_core, peer_core = rnd % 2, 1 - rnd % 2
                for ef in efs:
                    os.sched_setaffinity(0, {peer_core})
                    proc = subprocess.Popen(
                        ['taskset', '-c', str(ragdb_core)] + cmd +
                        ['--load', saved, '--sweep', str(ef), '--min_seconds', str(args.seconds),
                         '--threads', '1', '--paired'], stdout=subprocess.PIPE, text=True)
                    proc.stdout.readline()  # "ready": the driver has loaded and starts timing
                    q1, lab = ab.timed_qps(lambda: search(queries, ef), len(queries), args.seconds)
                    run = json.loads(proc.stdout.read())['runs'][0]
                    proc.wait()
                    qps['ragdb'][ef].append(run['qps_1t'])
                    qps[peer][ef].append(q1)
                    rec[('ragdb', ef)] = run['recall']
                    rec[(peer, ef)] = ab.recall(lab, gt)
            os.sched_setaffinity(0, set(range(os.cpu_count())))
            print(f'\n{"ef":>5s} {"recall ragdb":>12s} {"recall " + peer:>20s} '
                  f'{"QPS ragdb":>10s} {"QPS " + peer:>18s}  per-round ratios')
            curves = {'ragdb': [], peer: []}
            for ef in efs:
                ratios = [a / b for a, b in zip(qps['ragdb'][ef], qps[peer][ef])]
                med = {e: float(np.median(qps[e][ef])) for e in curves}
                for e in curves:
                    curves[e].append({'recall': rec[(e, ef)], 'qps_1t': med[e]})
                print(f'{ef:5d} {rec[("ragdb", ef)]:12.4f} {rec[(peer, ef)]:20.4f} '
                      f'{med["ragdb"]:10.0f} {med[peer]:18.0f}  '
                      f'{" ".join(f"{r:.2f}" for r in ratios)}')
            for target in (0.95, 0.99):
                a = ab.interp_qps(curves['ragdb'], target, 'qps_1t')
                b = ab.interp_qps(curves[peer], target, 'qps_1t')
                ratio = f'{a / b:.2f}x' if a and b else '- (target not reached)'
                print(f'single-thread QPS ratio ragdb / {peer} at recall@10 {target}: {ratio}')


if __name__ == '__main__':
    main()
