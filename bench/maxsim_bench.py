#!/usr/bin/env python3
"""MaxSim (multi-vector) search through the HTTP server against a numpy reference.

Layer: HTTP (`ragdb serve`, Qdrant's Query API with a query matrix, one request at a time over
keep-alive), the server pinned to core 0. Peer: numpy in the same script, single-threaded
OpenBLAS, on the same matrices: one product of the query against every stored token vector,
then the per-document maximum (np.maximum.reduceat) summed over the query's vectors, which is
as fast as plain numpy MaxSim gets. Both are exact; the script checks that they return the same
top 10. CPU time of the server process is read from /proc, so the ratio is by CPU time.

With --index hnsw the field gets a token index (hnsw_config), the collection is sealed through
/ragdb/collections/mv/optimize (which builds it), and the script sweeps --efs: queries per CPU
second and recall@10 against numpy's exact top 10, beside ragdb's exact search on the same
server (params.exact). --clustered draws token vectors around --topics centroids, a few topics
per document and the query from one document's topics, as ColBERT's embeddings cluster;
without it the vectors are uniform on the sphere, where nearest tokens carry no signal.

  /usr/bin/python3 bench/maxsim_bench.py --build build [--docs 1000] [--dim 128] [--queries 50]
  /usr/bin/python3 bench/maxsim_bench.py --build build --docs 5000 --clustered --index hnsw
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request(conn, method, path, body=None):
    data = json.dumps(body) if body is not None else None
    conn.request(method, path, body=data, headers={"content-type": "application/json"})
    r = conn.getresponse()
    out = json.loads(r.read())
    if r.status != 200:
        raise RuntimeError(f"{method} {path}: {r.status} {out}")
    return out["result"]


def start_server(build, prefix):
    """`ragdb serve` pinned to core 0 over a fresh data folder, once it answers: (process,
    keep-alive connection, folder)."""
    data = tempfile.mkdtemp(prefix=prefix)
    port = free_port()
    server = subprocess.Popen(["taskset", "-c", "0", os.path.join(build, "ragdb"), "--data",
                               data, "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", "/")
            conn.getresponse().read()
            return server, conn, data
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("ragdb serve did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--min-tokens", type=int, default=30)
    ap.add_argument("--max-tokens", type=int, default=120)
    ap.add_argument("--query-tokens", type=int, default=32)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--index", choices=["flat", "hnsw"], default="flat")
    ap.add_argument("--efs", default="32,64,100,200")
    ap.add_argument("--clustered", action="store_true")
    ap.add_argument("--topics", type=int, default=2000)
    args = ap.parse_args()

    rng = np.random.default_rng(7)
    counts = rng.integers(args.min_tokens, args.max_tokens + 1, args.docs)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    if args.clustered:
        centroids = rng.standard_normal((args.topics, args.dim)).astype(np.float32)
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        doc_topics = rng.integers(0, args.topics, (args.docs, 4))
        picks = doc_topics[np.repeat(np.arange(args.docs), counts),
                           rng.integers(0, 4, int(counts.sum()))]
        tokens = centroids[picks] + 0.08 * rng.standard_normal(
            (int(counts.sum()), args.dim)).astype(np.float32)
        source = rng.integers(0, args.docs, args.queries)
        qpicks = doc_topics[source][:, rng.integers(0, 4, args.query_tokens)]
        queries = centroids[qpicks] + 0.08 * rng.standard_normal(
            (args.queries, args.query_tokens, args.dim)).astype(np.float32)
    else:
        tokens = rng.standard_normal((int(counts.sum()), args.dim)).astype(np.float32)
        queries = rng.standard_normal((args.queries, args.query_tokens, args.dim)).astype(np.float32)
    tokens /= np.linalg.norm(tokens, axis=1, keepdims=True)
    queries /= np.linalg.norm(queries, axis=2, keepdims=True)

    # numpy reference
    def numpy_top(q):
        s = q @ tokens.T                                   # [query tokens x all tokens]
        best = np.maximum.reduceat(s, offsets, axis=1)     # [query tokens x docs]
        scores = best.sum(axis=0)
        top = np.argpartition(-scores, 10)[:10]
        return top[np.argsort(-scores[top])], scores
    numpy_top(queries[0])
    t0 = time.process_time()
    ref = [numpy_top(q)[0] for q in queries]
    numpy_cpu = time.process_time() - t0

    server, conn, data = start_server(args.build, "ragdb-maxsim-")
    try:
        params = {"size": args.dim, "distance": "Cosine",
                  "multivector_config": {"comparator": "max_sim"}}
        if args.index == "hnsw":
            params["hnsw_config"] = {"m": 16, "ef_construct": 100}
        request(conn, "PUT", "/collections/mv", {"vectors": {"colbert": params}})
        t0 = time.time()
        for start in range(0, args.docs, 50):
            points = [{"id": i + 1, "vector": {"colbert": tokens[offsets[i]:offsets[i] + counts[i]].tolist()}}
                      for i in range(start, min(args.docs, start + 50))]
            request(conn, "PUT", "/collections/mv/points?wait=true", {"points": points})
        ingest = time.time() - t0
        build = None
        if args.index == "hnsw":
            t0 = time.time()
            request(conn, "POST", "/ragdb/collections/mv/optimize", {})
            build = time.time() - t0

        def run(params):
            bodies = [json.dumps({"query": q.tolist(), "using": "colbert", "limit": 10,
                                  "params": params}) for q in queries]
            out = []
            for b in bodies:
                conn.request("POST", "/collections/mv/points/query", body=b,
                             headers={"content-type": "application/json"})
                out.append(json.loads(conn.getresponse().read())["result"]["points"])
            return out

        def measure(params):
            run(params)  # warm
            cpu0, wall0 = cpu_seconds(server.pid), time.time()
            got = run(params)
            return got, cpu_seconds(server.pid) - cpu0, time.time() - wall0

        hits, server_cpu, wall = measure({"exact": True})
        sweep = [(ef, *measure({"hnsw_ef": ef})) for ef in
                 (map(int, args.efs.split(",")) if args.index == "hnsw" else [])]
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)

    def agreement(found):
        return sum(len(set(r.tolist()) & {h["id"] - 1 for h in hs}) for r, hs in zip(ref, found))

    agree = agreement(hits)
    n, total = args.queries, int(counts.sum())
    print(f"docs {args.docs}, token vectors {total} x {args.dim}"
          f"{' (clustered)' if args.clustered else ''}, query {args.query_tokens} vectors, "
          f"{n} queries; ingest {ingest:.1f} s over HTTP"
          + (f", seal + token index {build:.1f} s" if build is not None else ""))
    print(f"top-10 agreement with numpy: {agree}/{10 * n}")
    print(f"numpy (1 thread):      {n / numpy_cpu:8.1f} queries / CPU s")
    print(f"ragdb HTTP (1 core):   {n / server_cpu:8.1f} queries / CPU s of the server "
          f"({n / wall:.1f} / s wall, client included)")
    print(f"ratio ragdb / numpy by CPU time: {numpy_cpu / server_cpu:.2f}x")
    for ef, got, cpu, w in sweep:
        print(f"token index ef {ef:4d}: {n / cpu:8.1f} queries / CPU s, recall@10 "
              f"{agreement(got) / (10 * n):.3f}, {server_cpu / cpu:.2f}x ragdb exact, "
              f"{numpy_cpu / cpu:.2f}x numpy")


if __name__ == "__main__":
    main()
