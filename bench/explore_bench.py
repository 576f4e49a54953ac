#!/usr/bin/env python3
"""Recommend and discover through the HTTP server against a numpy reference.

Layer: HTTP (`ragdb serve` pinned to core 0, Qdrant's /points/recommend and /points/discover
and the Query API's context query, one request at a time over keep-alive). Peer: numpy in the
same script, single-threaded OpenBLAS, computing the same scores (ragdb/explore.h, Qdrant's
formulas) over the same vectors with one matrix product per request. The script checks that
both return the same top 10, then reports queries per CPU second of the server process (from
/proc) against numpy's, and ragdb's wall-clock latency per request (client included).

average_vector is one nearest-neighbour search: measured exact (beside numpy) and through the
HNSW index (recall@10 against exact). The other strategies and discovery scan every row.

  /usr/bin/python3 bench/explore_bench.py --build build [--n 50000] [--dim 128] [--queries 200]
"""
import argparse
import os
import shutil
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

from maxsim_bench import cpu_seconds, request, start_server  # noqa: E402  (same HTTP helpers)

FLT_EPSILON = np.float32(1.1920929e-07)
TICK = 1 / os.sysconf("SC_CLK_TCK")  # CPU time resolution: below one tick counts as one


def squash(x):
    """Maps a similarity into (0, 1), as best_score and discovery do."""
    return 0.5 * (x / (1 + np.abs(x)) + 1)


def top10(scores, exclude):
    """The 10 best rows, equal scores in id order (as ragdb breaks ties)."""
    scores = scores.astype(np.float64)
    scores[list(exclude)] = -np.inf
    cut = np.partition(-scores, 10)[10]  # rows scoring better than the 11th, and its ties
    rows = np.nonzero(-scores <= cut)[0]
    order = np.lexsort((rows, -scores[rows]))
    return [int(i) for i in rows[order][:10]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--n", type=int, default=50000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--clusters", type=int, default=500)
    args = ap.parse_args()

    rng = np.random.default_rng(11)
    centers = rng.standard_normal((args.clusters, args.dim)).astype(np.float32)
    x = centers[rng.integers(0, args.clusters, args.n)] + 0.5 * rng.standard_normal(
        (args.n, args.dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    picks = rng.integers(0, args.n, (args.queries, 7))  # pos, pos, neg, target, 2 pairs' sides

    # The requests (ids are row + 1) and numpy's answers, by operation.
    ops = {}

    def add(name, body, path, score):
        ops.setdefault(name, []).append((path, body, score))

    for p in picks:
        pos, neg = [int(p[0]), int(p[1])], [int(p[2])]
        ids = lambda rows: [r + 1 for r in rows]  # noqa: E731
        for strategy in ("best_score", "sum_scores", "average_vector"):
            body = {"positive": ids(pos), "negative": ids(neg), "strategy": strategy, "limit": 10}
            if strategy == "average_vector":
                body["params"] = {"exact": True}

            def score(strategy=strategy, pos=pos, neg=neg):
                sims = x @ x[pos + neg].T
                sp, sn = sims[:, :len(pos)], sims[:, len(pos):]
                if strategy == "best_score":
                    b, w = sp.max(axis=1), sn.max(axis=1)
                    return np.where(b > w, squash(b), -squash(w)), pos + neg
                if strategy == "sum_scores":
                    return sp.sum(axis=1) - sn.sum(axis=1), pos + neg
                q = 2 * x[pos].mean(axis=0) - x[neg].mean(axis=0)
                return x @ (q / np.linalg.norm(q)), pos + neg
            add(f"recommend {strategy}", body, "/collections/e/points/recommend", score)
        target, pairs = int(p[3]), [(int(p[4]), int(p[5])), (int(p[6]), int(p[0]))]
        context = [{"positive": a + 1, "negative": b + 1} for a, b in pairs]

        def discover(target=target, pairs=pairs):
            rank = sum(np.sign(x @ x[a] - x @ x[b]) for a, b in pairs)
            return rank + squash(x @ x[target]), [target] + [i for pr in pairs for i in pr]

        def context_score(pairs=pairs):
            total = 0
            for a, b in pairs:
                d = np.minimum(0, x @ x[a] - x @ x[b] - FLT_EPSILON)
                total = total + d / (1 + np.abs(d))
            return total, [i for pr in pairs for i in pr]
        add("discover (target + 2 pairs)", {"target": target + 1, "context": context, "limit": 10},
            "/collections/e/points/discover", discover)
        add("context (2 pairs, Query API)", {"query": {"context": context}, "limit": 10},
            "/collections/e/points/query", context_score)

    numpy_cpu, reference = {}, {}
    for name, reqs in ops.items():
        reqs[0][2]()  # warm
        t0 = time.process_time()
        reference[name] = [top10(*score()) for _, _, score in reqs]
        numpy_cpu[name] = time.process_time() - t0

    server, conn, data = start_server(args.build, "ragdb-explore-")
    results = {}
    try:
        request(conn, "PUT", "/collections/e", {"vectors": {"size": args.dim, "distance": "Cosine"},
                                                "hnsw_config": {"m": 16, "ef_construct": 100}})
        t0 = time.time()
        for start in range(0, args.n, 1000):
            rows = range(start, min(args.n, start + 1000))
            request(conn, "PUT", "/collections/e/points?wait=true",
                    {"points": [{"id": i + 1, "vector": x[i].tolist()} for i in rows]})
        request(conn, "POST", "/ragdb/collections/e/optimize", {})
        load = time.time() - t0

        def run(reqs, patch=None):
            out, lat = [], []
            for path, body, _ in reqs:
                b = dict(body, **(patch or {}))
                t = time.perf_counter()
                got = request(conn, "POST", path, b)
                lat.append(time.perf_counter() - t)
                out.append([h["id"] - 1 for h in (got["points"] if isinstance(got, dict) else got)])
            return out, lat

        for name, reqs in ops.items():
            run(reqs)  # warm
            cpu0 = cpu_seconds(server.pid)
            got, lat = run(reqs)
            results[name] = (got, cpu_seconds(server.pid) - cpu0, lat)
        avg = ops["recommend average_vector"]
        hnsw = []
        for ef in (None, 128, 256):
            patch = {"params": {"hnsw_ef": ef} if ef else {}}
            run(avg, patch)
            cpu0 = cpu_seconds(server.pid)
            got, lat = run(avg, patch)
            hnsw.append((ef, got, cpu_seconds(server.pid) - cpu0, lat))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)

    n = args.queries
    print(f"{args.n} x {args.dim} cosine ({args.clusters} clusters), {n} requests per operation; "
          f"loaded over HTTP + optimize in {load:.1f} s")
    print(f"{'operation':32s} {'agree':>7s} {'numpy q/CPU s':>14s} {'ragdb q/CPU s':>14s} "
          f"{'ratio':>6s} {'p50 ms':>7s} {'p95 ms':>7s}")
    for name, (got, cpu, lat) in results.items():
        agree = sum(len(set(a) & set(b)) for a, b in zip(got, reference[name]))
        lat_ms = np.array(lat) * 1000
        print(f"{name:32s} {agree / (10 * n):7.3f} {n / numpy_cpu[name]:14.1f} "
              f"{n / max(cpu, TICK):14.1f} {numpy_cpu[name] / max(cpu, TICK):5.2f}x "
              f"{np.percentile(lat_ms, 50):7.2f} {np.percentile(lat_ms, 95):7.2f}")
    exact = results["recommend average_vector"][0]
    for ef, got, cpu, lat in hnsw:
        recall = sum(len(set(a) & set(b)) for a, b in zip(got, exact)) / (10 * n)
        lat_ms = np.array(lat) * 1000
        label = f"average_vector, HNSW ef {ef or '64 (default)'}"
        print(f"{label:32s} recall@10 {recall:.3f} vs exact; {n / max(cpu, TICK):.1f} q/CPU s, "
              f"{numpy_cpu['recommend average_vector'] / max(cpu, TICK):.2f}x numpy exact; "
              f"p50 {np.percentile(lat_ms, 50):.2f} ms, p95 {np.percentile(lat_ms, 95):.2f} ms")


if __name__ == "__main__":
    main()
