#!/usr/bin/python3
"""Search through the database, at the layers users call, beside hnswlib and Faiss (issue 13).

Every ragdb figure here goes through the database, never the bare index:
  embedded  Collection::Search (one query per call) or Collection::SearchBatch, in C++
            (bench/db_bench.cc, the driver `db_bench` in the build tree);
  cli       `ragdb search NAME --queries Q.fvecs --threads 1 --out ...`: the search phase it
            reports (`qps`) and the whole command's wall time (process start, open, search,
            output) as `cli-wall`;
  http      `ragdb serve` pinned to core 0 (so it runs one I/O thread), queried through Qdrant's
            /points/search endpoint by wrk pinned to core 1 with 16 connections, so the server's
            core is the bottleneck, not the client's; its CPU QPS is searches per second of the
            server process's CPU time;
  http-batch  the same through /points/search/batch, 100 searches per request.
Peers run in this process: hnswlib (HNSW, m and ef_construction as ragdb's) and Faiss IndexFlat
(exact). Everything single-threaded is pinned to core 0. Throughput on this VM drifts over
minutes, so each sweep is timed --rounds times, engines interleaved in rotating order, and the
medians are reported; quote the ratios.

  /usr/bin/python3 bench/db_search_bench.py --build build [--sets sift5k,clustered]
      [--n 200000] [--parts hnsw,flat,filter] [--layers embedded,cli,http] [--rounds 3]

Parts:
  hnsw    QPS against recall@10 over an ef sweep; ratio to hnswlib at recall 0.95 and 0.99.
  flat    exact batch search (SearchBatch, one thread) against Faiss IndexFlat search of the
          same query matrix; and single queries (Search) for reference.
  filter  HNSW with a payload filter keeping 1%, 10% and 50% of the rows (`sel < P`, an
          integer payload index), against hnswlib's own filtered search with the allowed ids
          checked in a callback: hnswlib 0.8 through npm hnswlib-node (bench/peers, installed on
          first use) with a JavaScript callback; and Debian's Python hnswlib (0.6, no filter
          callback) over-fetching in Python (k / selectivity x 4 candidates, more while fewer
          than k pass), as users of that version do.
Sets: sift5k (4,900 x 128, l2, its 100 held-out queries x 10), bright (1,285 x 1024, cosine,
99 queries x 10), clustered (--n x 128, l2, 1,000 queries; ann_bench.py's generator) and
gauss (--gauss_n x 128 standard normal, l2, 200 queries; FLAT only).
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
# Single-thread peers: Faiss's OpenMP and the BLAS under numpy / Faiss would otherwise start a
# thread per core, which on the one pinned core only adds switching.
os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import ann_bench as ab  # noqa: E402

K = 10
HERE = os.path.dirname(os.path.abspath(__file__))


def pin(core):
    try:
        os.sched_setaffinity(0, {core})
    except OSError:
        pass


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({r.returncode}): "
                         f"{(r.stderr or r.stdout)[-2000:]}")
    return r.stdout


def load_set(name, args):
    shared = os.path.join(args.data)
    if name == 'sift5k':
        d = os.path.join(shared, 'ann-sift5k')
        base = ab.read_vecs(f'{d}/sift5k_base.fvecs', np.float32)
        q = ab.read_vecs(f'{d}/sift5k_query.fvecs', np.float32)
        return base, np.tile(q, (10, 1)), 'l2'
    if name == 'bright':
        d = os.path.join(shared, 'ann-bright-bge-large-1024')
        base = ab.read_vecs(f'{d}/bright_base.fvecs', np.float32)
        q = ab.read_vecs(f'{d}/bright_query.fvecs', np.float32)
        base = (base / np.linalg.norm(base, axis=1, keepdims=True)).astype(np.float32)
        q = (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)
        return base, np.tile(q, (10, 1)), 'cosine'
    if name == 'clustered':
        base, q = ab.synthetic(args.n, 1000, 128)
        return base, q, 'l2'
    if name == 'gauss':
        rng = np.random.default_rng(1)
        return (rng.standard_normal((args.gauss_n, 128)).astype(np.float32),
                rng.standard_normal((200, 128)).astype(np.float32), 'l2')
    raise SystemExit(f'unknown set {name}')


def exact_topk(base, queries, metric, k=K, allowed=None):
    """Exact top-k row numbers (numpy, float64 accumulation is not needed at k=10)."""
    ids = np.empty((len(queries), k), dtype=np.int64)
    rows = np.arange(len(base)) if allowed is None else np.flatnonzero(allowed)
    b = base[rows]
    bn = (b * b).sum(1)
    for s in range(0, len(queries), 256):
        q = queries[s:s + 256]
        dots = q @ b.T
        dist = bn[None, :] - 2 * dots if metric == 'l2' else -dots
        part = np.argpartition(dist, k, axis=1)[:, :k]
        order = np.take_along_axis(dist, part, 1).argsort(1)
        ids[s:s + 256] = rows[np.take_along_axis(part, order, 1)]
    return ids


def recall(found, gt):
    hit = 0
    for f, g in zip(found, gt):
        hit += len(set(int(x) for x in f[:K]) & set(int(x) for x in g[:K]))
    return hit / (len(gt) * K)


def timed(fn, nq, min_seconds):
    """(wall QPS, CPU QPS, last output). CPU time is this process's: peers run in it with one
    thread, so it is the work they did, whatever else the machine was doing."""
    done, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        out = fn()
        done += nq
        el = time.perf_counter() - t0
        if el >= min_seconds:
            return done / el, done / max(time.process_time() - c0, 1e-9), out


# ---------------------------------------------------------------- ragdb layers

class Ragdb:
    def __init__(self, args, tmp, name, base, metric, index):
        self.args, self.tmp = args, tmp
        self.driver = os.path.join(args.build, 'src', 'db', 'db_bench')
        self.cli = os.path.join(args.build, 'ragdb')
        self.data = os.path.join(tmp, f'db-{name}-{index}')
        self.name = 'c'
        bp = os.path.join(tmp, f'{name}.base.fvecs')
        ab.write_vecs(bp, base)
        shutil.rmtree(self.data, ignore_errors=True)
        t = time.perf_counter()
        run([self.driver, '--data', self.data, '--collection', self.name, '--load', bp,
             '--metric', metric, '--index', index, '--m', str(args.m), '--efc', str(args.efc)])
        self.load_s = time.perf_counter() - t

    def embedded(self, qp, gp, sweep, mode='single', filt=None, exact=False):
        cmd = [self.driver, '--data', self.data, '--collection', self.name, '--query', qp,
               '--gt', gp, '--sweep', ','.join(map(str, sweep)), '--mode', mode, '--threads',
               '1', '--min_seconds', str(self.args.min_seconds)]
        if filt:
            cmd += ['--filter', filt]
        if exact:
            cmd += ['--exact']
        return json.loads(run(['taskset', '-c', '0'] + cmd))['runs']

    def cli_runs(self, qp, gt, sweep, exact=False):
        runs = []
        out = os.path.join(self.tmp, 'cli.ivecs')
        for ef in sweep:
            cmd = ['taskset', '-c', '0', self.cli, '--data', self.data, 'search', self.name,
                   '--queries', qp, '--k', str(K), '--threads', '1', '--out', out]
            if ef:
                cmd += ['--ef', str(ef)]
            if exact:
                cmd += ['--exact']
            t = time.perf_counter()
            j = json.loads(run(cmd))
            wall = time.perf_counter() - t
            runs.append({'param': ef, 'qps': j['qps'], 'cpu_qps': j['queries'] / j['cpu_seconds'],
                         'wall_qps': j['queries'] / wall,
                         'recall': recall(ab.read_vecs(out, np.int32), gt)})
        return runs

    def http_runs(self, queries, gt, sweep, seconds, batch=1):
        """Qdrant's /points/search (batch=1) or /points/search/batch with `batch` searches per
        request; QPS counts searches."""
        port = free_port()
        cfg = os.path.join(self.tmp, 'serve.toml')
        with open(cfg, 'w') as f:
            f.write('[server]\naccess_log = false\n')
        log = open(os.path.join(self.tmp, 'serve.log'), 'w')
        srv = subprocess.Popen(['taskset', '-c', '0', self.cli, '--data', self.data, 'serve',
                                '--port', str(port), '--config', cfg], stdout=log, stderr=log)
        url = f'http://127.0.0.1:{port}'
        try:
            wait_http(url + '/healthz')
            runs = []
            for ef in sweep:
                bodies = os.path.join(self.tmp, 'bodies.jsonl')
                searches = []
                for q in queries:
                    body = {'vector': [float(x) for x in q], 'limit': K}
                    if ef:
                        body['params'] = {'hnsw_ef': int(ef)}
                    searches.append(body)
                with open(bodies, 'w') as f:
                    for b in searches:
                        f.write(json.dumps(b) + '\n')
                rec = http_recall(url, self.name, bodies, gt, min(len(gt), 200))
                path = f'/collections/{self.name}/points/search'
                if batch > 1:
                    path += '/batch'
                    with open(bodies, 'w') as f:
                        for i in range(0, len(searches) - batch + 1, batch):
                            f.write(json.dumps({'searches': searches[i:i + batch]}) + '\n')
                cpu0 = proc_cpu_seconds(srv.pid)
                # 16 connections keep the one-core server busy (4 left it waiting on the
                # client's round trips on this VM).
                out = run(['taskset', '-c', '1', 'wrk', '-t1', '-c16', f'-d{seconds:g}s', '-s',
                           os.path.join(HERE, 'db_search.lua'), url, '--', bodies, path])
                cpu = proc_cpu_seconds(srv.pid) - cpu0
                qps = float(next(l.split()[1] for l in out.splitlines()
                                 if l.startswith('Requests/sec')))
                qps *= batch
                total = batch * int(next(l.split()[0] for l in out.splitlines()
                                         if 'requests in' in l))
                errors = [l for l in out.splitlines() if 'Non-2xx' in l or 'Socket errors' in l]
                if errors:
                    raise SystemExit(f'wrk reported errors: {errors}')
                runs.append({'param': ef, 'qps': qps, 'cpu_qps': total / max(cpu, 1e-9),
                             'recall': rec})
            return runs
        finally:
            srv.terminate()
            srv.wait()


def proc_cpu_seconds(pid):
    """utime + stime of a process (all its threads), from /proc."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_http(url):
    import urllib.request
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f'server at {url} did not start')


def http_recall(url, name, bodies_path, gt, n):
    import http.client
    host, port = url.split('//')[1].split(':')
    conn = http.client.HTTPConnection(host, int(port))
    found = []
    with open(bodies_path) as f:
        for i, line in enumerate(f):
            if i == n:
                break
            conn.request('POST', f'/collections/{name}/points/search', line,
                         {'Content-Type': 'application/json'})
            r = json.loads(conn.getresponse().read())
            found.append([p['id'] for p in r['result']])
    conn.close()
    return recall(found, gt[:n])


# ---------------------------------------------------------------- peers

def hnswlib_index(base, metric, args):
    import hnswlib
    p = hnswlib.Index({'l2': 'l2', 'cosine': 'ip', 'ip': 'ip'}[metric], base.shape[1])
    p.init_index(len(base), args.m, args.efc, random_seed=100)
    p.set_num_threads(os.cpu_count())
    p.add_items(base)
    p.set_num_threads(1)
    return p


def hnswlib_runs(p, queries, gt, sweep, min_seconds):
    runs = []
    for ef in sweep:
        p.set_ef(max(ef, K))
        qps, cpu, (lab, _) = timed(lambda: p.knn_query(queries, K), len(queries), min_seconds)
        runs.append({'param': ef, 'qps': qps, 'cpu_qps': cpu, 'recall': recall(lab, gt)})
    return runs


def hnswlib_filtered_runs(p, queries, gt, allowed, sweep, min_seconds):
    """hnswlib without a filter callback: over-fetch, keep the allowed ids (Python-side)."""
    frac = max(allowed.mean(), 1e-6)
    fetch0 = int(min(len(allowed), max(K, K / frac * 4)))

    def search(ef):
        out = []
        for q in queries:
            fetch = fetch0
            while True:
                p.set_ef(max(ef, fetch))
                lab, _ = p.knn_query(q, fetch)
                keep = [x for x in lab[0] if allowed[x]][:K]
                if len(keep) == K or fetch >= p.get_current_count():
                    break
                fetch = min(p.get_current_count(), fetch * 2)
            out.append(keep)
        return out
    runs = []
    for ef in sweep:
        qps, cpu, found = timed(lambda: search(ef), len(queries), min_seconds)
        runs.append({'param': ef, 'qps': qps, 'cpu_qps': cpu, 'recall': recall(found, gt)})
    return runs


def hnswlib_node_filtered(base_path, q_path, allowed, tmp, metric, gt, args):
    """hnswlib 0.8 (npm hnswlib-node) with a JavaScript allowed-ids callback: builds once, then
    returns a function that runs the ef sweep (the index is rebuilt per call: node cannot keep it
    between calls, so the build is timed apart and only the sweep's figures are used)."""
    peers = os.path.join(HERE, 'peers')
    if not os.path.isdir(os.path.join(peers, 'node_modules', 'hnswlib-node')):
        run(['npm', 'install', '--no-audit', '--no-fund'], cwd=peers)
    allowed_path = os.path.join(tmp, 'allowed.u8')
    allowed.astype(np.uint8).tofile(allowed_path)

    def runs():
        out = json.loads(run(['taskset', '-c', '0', 'node', os.path.join(peers, 'hnswlib_filter.mjs'),
                              base_path, q_path, allowed_path, 'l2' if metric == 'l2' else 'ip',
                              str(args.m), str(args.efc), ','.join(map(str, args.efs)), str(K),
                              str(args.min_seconds)]))
        return [{'param': r['param'], 'qps': r['qps'], 'cpu_qps': r['cpu_qps'],
                 'recall': recall(r['ids'], gt)} for r in out['runs']]
    return runs


def faiss_flat_qps(base, queries, metric, min_seconds):
    import faiss
    faiss.omp_set_num_threads(1)
    index = faiss.IndexFlatL2(base.shape[1]) if metric == 'l2' else faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    qps, cpu, (_, ids) = timed(lambda: index.search(queries, K), len(queries), min_seconds)
    return qps, cpu, ids


# ---------------------------------------------------------------- reporting

def rounds(args, engines):
    """engines: name -> zero-argument function returning runs. Interleaved rounds, medians."""
    res = {}
    names = list(engines)
    for rnd in range(args.rounds):
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        for name in order:
            runs = engines[name]()
            if name not in res:
                res[name] = runs
                for r in runs:
                    r['rounds'] = [r['qps']]
                    r['cpu_rounds'] = [r['cpu_qps']]
            else:
                for r, new in zip(res[name], runs):
                    r['rounds'].append(new['qps'])
                    r['cpu_rounds'].append(new['cpu_qps'])
    for runs in res.values():
        for r in runs:
            r['qps'] = float(np.median(r['rounds']))
            r['cpu_qps'] = float(np.median(r['cpu_rounds']))
    return res


def print_runs(res):
    print(f'  {"engine / layer":34s} {"param":>6s} {"recall@10":>9s} {"QPS":>10s} {"CPU QPS":>10s}'
          f'  wall QPS per round')
    for name, runs in res.items():
        for r in runs:
            extra = f'  (whole command: {r["wall_qps"]:.0f})' if 'wall_qps' in r else ''
            print(f'  {name:34s} {r["param"]:6d} {r["recall"]:9.4f} {r["qps"]:10.0f} '
                  f'{r["cpu_qps"]:10.0f}  {" ".join(f"{x:.0f}" for x in r["rounds"])}{extra}')


def print_ratios(res, peer, targets=(0.95, 0.99)):
    """Ratios at equal recall, by wall-clock QPS and by CPU-time QPS (queries per CPU second:
    on a shared machine the work done, not the time spent waiting for a core)."""
    fmt = lambda v: '-' if v is None else f'{v:.0f}'
    for name in res:
        if name == peer:
            continue
        for t in targets:
            parts = []
            for key in ('qps', 'cpu_qps'):
                a = ab.interp_qps(res[name], t, key)
                b = ab.interp_qps(res[peer], t, key)
                ratio = f'{a / b:.2f}x' if a and b else '-'
                parts.append(f'{"wall" if key == "qps" else "CPU"} {fmt(a)} / {fmt(b)} = {ratio}')
            print(f'  {name:34s} / {peer} at recall {t:.2f}: ' + '; '.join(parts))


# ---------------------------------------------------------------- parts

def part_hnsw(args, tmp, name, base, queries, metric, gt, paths):
    qp, gp = paths
    db = Ragdb(args, tmp, name, base, metric, 'hnsw')
    t = time.perf_counter()
    peer = hnswlib_index(base, metric, args)
    print(f'  loaded: ragdb {db.load_s:.1f} s (upsert + optimize, embedded), '
          f'hnswlib {time.perf_counter() - t:.1f} s (add_items, 2 threads)', flush=True)
    sweep = args.efs
    engines = {'hnswlib': lambda: hnswlib_runs(peer, queries, gt, sweep, args.min_seconds)}
    if 'embedded' in args.layers:
        engines['ragdb embedded Search'] = lambda: db.embedded(qp, gp, sweep, 'single')
    if 'cli' in args.layers:
        engines['ragdb cli search --queries'] = lambda: db.cli_runs(qp, gt, sweep)
    if 'http' in args.layers:
        engines['ragdb http /points/search'] = lambda: db.http_runs(queries, gt, sweep,
                                                                    args.http_seconds)
    if 'http-batch' in args.layers:
        engines['ragdb http /points/search/batch'] = lambda: db.http_runs(
            queries, gt, sweep, args.http_seconds, batch=100)
    res = rounds(args, engines)
    print_runs(res)
    print_ratios(res, 'hnswlib')
    for layer in ('ragdb http /points/search', 'ragdb http /points/search/batch'):
        if layer not in res or 'ragdb embedded Search' not in res:
            continue
        for key in ('qps', 'cpu_qps'):
            a = ab.interp_qps(res[layer], 0.95, key)
            b = ab.interp_qps(res['ragdb embedded Search'], 0.95, key)
            if a and b:
                print(f'  {layer[6:]} / embedded at recall 0.95 ({key}): {a:.0f} / {b:.0f} = '
                      f'{a / b:.2f}x')


def part_flat(args, tmp, name, base, queries, metric, gt, paths):
    qp, gp = paths
    db = Ragdb(args, tmp, name, base, metric, 'flat')

    def faiss_runs():
        qps, cpu, ids = faiss_flat_qps(base, queries, metric, args.min_seconds)
        return [{'param': 0, 'qps': qps, 'cpu_qps': cpu, 'recall': recall(ids, gt)}]
    engines = {'faiss IndexFlat batch': faiss_runs}
    if 'embedded' in args.layers:
        engines['ragdb embedded SearchBatch'] = lambda: db.embedded(qp, gp, [0], 'batch')
        engines['ragdb embedded Search'] = lambda: db.embedded(qp, gp, [0], 'single')
    if 'cli' in args.layers:
        engines['ragdb cli search --queries'] = lambda: db.cli_runs(qp, gt, [0])
    if 'http' in args.layers:
        engines['ragdb http /points/search'] = lambda: db.http_runs(queries, gt, [0],
                                                                    args.http_seconds)
    if 'http-batch' in args.layers:
        engines['ragdb http /points/search/batch'] = lambda: db.http_runs(
            queries, gt, [0], args.http_seconds, batch=100)
    res = rounds(args, engines)
    print_runs(res)
    for layer in ('ragdb http /points/search', 'ragdb http /points/search/batch'):
        if layer in res and 'ragdb embedded Search' in res:
            a, b = res[layer][0], res['ragdb embedded Search'][0]
            print(f'  {layer[6:]} / embedded Search: wall {a["qps"] / b["qps"]:.2f}x, '
                  f'CPU {a["cpu_qps"] / b["cpu_qps"]:.2f}x')
    f = res['faiss IndexFlat batch'][0]
    for n, runs in res.items():
        if n != 'faiss IndexFlat batch':
            print(f'  {n:34s} / faiss: wall {runs[0]["qps"] / f["qps"]:.2f}x, '
                  f'CPU {runs[0]["cpu_qps"] / f["cpu_qps"]:.2f}x')


def part_filter(args, tmp, name, base, queries, metric, gt_unused, paths):
    qp, _ = paths
    db = Ragdb(args, tmp, name, base, metric, 'hnsw')
    peer = hnswlib_index(base, metric, args) if 'python' in args.filter_peers else None
    base_path = os.path.join(tmp, f'{name}.base.fvecs')
    sel = np.arange(len(base)) % 100
    nq = min(len(queries), args.filter_queries)
    q = queries[:nq]
    qpath = os.path.join(tmp, f'{name}.fq.fvecs')
    ab.write_vecs(qpath, q)
    for pct in (1, 10, 50):
        allowed = sel < pct
        gt = exact_topk(base, q, metric, allowed=allowed)
        gpath = os.path.join(tmp, f'{name}.fg{pct}.ivecs')
        ab.write_vecs(gpath, gt.astype(np.int32))
        sweep = args.efs
        engines = {'ragdb embedded Search': lambda: db.embedded(qpath, gpath, sweep, 'single',
                                                                filt=f'sel < {pct}')}
        peers = []
        if 'node' in args.filter_peers:
            peers.append('hnswlib 0.8 (npm) + JS callback')
            engines[peers[-1]] = hnswlib_node_filtered(base_path, qpath, allowed, tmp, metric, gt,
                                                       args)
        if 'python' in args.filter_peers:
            peers.append('hnswlib 0.6 + Python over-fetch')
            engines[peers[-1]] = lambda: hnswlib_filtered_runs(peer, q, gt, allowed, sweep,
                                                               args.min_seconds)
        print(f'\n  filter sel < {pct} ({pct}% of rows), {nq} queries')
        res = rounds(args, engines)
        print_runs(res)
        for p in peers:
            print_ratios({k: v for k, v in res.items() if k == p or k.startswith('ragdb')}, p,
                         targets=(0.95,))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default='build')
    ap.add_argument('--data', default=os.path.join(HERE, '..', '..', 'shared', 'data'))
    ap.add_argument('--sets', default='sift5k,clustered')
    ap.add_argument('--n', type=int, default=200000, help='rows of the clustered set')
    ap.add_argument('--gauss_n', type=int, default=100000, help='rows of the gauss set')
    ap.add_argument('--parts', default='hnsw,flat,filter')
    ap.add_argument('--layers', default='embedded,cli,http')
    ap.add_argument('--efs', default='10,16,24,32,48,64,96,128')
    ap.add_argument('--m', type=int, default=16)
    ap.add_argument('--efc', type=int, default=200)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--min_seconds', type=float, default=0.3)
    ap.add_argument('--http_seconds', type=float, default=2)
    ap.add_argument('--filter_queries', type=int, default=200)
    ap.add_argument('--filter_peers', default='node,python',
                    help='node: hnswlib 0.8 via npm with a callback; python: Debian hnswlib 0.6')
    args = ap.parse_args()
    args.efs = [int(x) for x in args.efs.split(',')]
    args.layers = args.layers.split(',')
    pin(0)
    parts = {'hnsw': part_hnsw, 'flat': part_flat, 'filter': part_filter}
    tmp = tempfile.mkdtemp(prefix='ragdb_db_bench_')
    try:
        for name in args.sets.split(','):
            base, queries, metric = load_set(name, args)
            gt = exact_topk(base, queries, metric)
            qp, gp = os.path.join(tmp, f'{name}.q.fvecs'), os.path.join(tmp, f'{name}.g.ivecs')
            ab.write_vecs(qp, queries)
            ab.write_vecs(gp, gt.astype(np.int32))
            for part in args.parts.split(','):
                if part == 'flat' and name == 'clustered':
                    continue
                if part != 'flat' and name == 'gauss':
                    continue
                print(f'\n=== {part} / {name}: n={len(base)} d={base.shape[1]} '
                      f'queries={len(queries)} metric={metric}', flush=True)
                parts[part](args, tmp, name, base, queries, metric, gt, (qp, gp))
                sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
