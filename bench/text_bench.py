#!/usr/bin/python3
"""Compare ragdb's BM25 text index with Xapian and SQLite FTS5 on a BEIR data set (SciFact).

Usage (from the repo root, after building text_eval):
  /usr/bin/python3 bench/text_bench.py --data ../shared/data/beir-scifact \
      --text-eval build-text/text/text_eval [--repeat 5]

All three index title + " " + text and run the same test queries with OR semantics, top 100,
single thread, query parsing included in the timed loop. Xapian: BM25Weight(k1=0.9, b=0.4),
English stemmer (STEM_SOME), on-disk database in a temp dir. FTS5: porter tokenizer, bm25()
ranking, in-memory database. ragdb: text_eval --preset anserini (Porter, Lucene stop words,
k1=0.9, b=0.4), one segment. nDCG@10 is printed for each as a sanity check.
"""
import argparse
import json
import math
import os
import re
import sqlite3
import subprocess
import tempfile
import time

import xapian


def load(data):
    corpus = []
    with open(os.path.join(data, "corpus.jsonl")) as f:
        for line in f:
            if line.strip():
                j = json.loads(line)
                corpus.append((j["_id"], (j.get("title") or "") + " " + (j.get("text") or "")))
    queries = {}
    with open(os.path.join(data, "queries.jsonl")) as f:
        for line in f:
            if line.strip():
                j = json.loads(line)
                queries[j["_id"]] = j["text"]
    qrels = {}
    with open(os.path.join(data, "qrels", "test.tsv")) as f:
        next(f)
        for line in f:
            q, d, g = line.split("\t")
            qrels.setdefault(q, {})[d] = int(g)
    qids = sorted(qrels)
    return corpus, [(q, queries[q]) for q in qids], qrels


def ndcg10(runs, qrels):
    total = 0.0
    for q, docs in runs.items():
        rel = qrels[q]
        dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(docs[:10]))
        ideal = sorted((g for g in rel.values() if g > 0), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        total += dcg / idcg if idcg else 0
    return total / len(runs)


def timed_queries(queries, search, repeat):
    runs = {q: search(text) for q, text in queries}  # warm-up and results
    start = time.perf_counter()
    for _ in range(repeat):
        for _, text in queries:
            search(text)
    return runs, len(queries) * repeat / (time.perf_counter() - start)


def bench_xapian(corpus, queries, repeat, tmp):
    start = time.perf_counter()
    db = xapian.WritableDatabase(os.path.join(tmp, "xapian"), xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_stemmer(xapian.Stem("english"))
    tg.set_stemming_strategy(xapian.TermGenerator.STEM_SOME)
    for doc_id, text in corpus:
        doc = xapian.Document()
        tg.set_document(doc)
        tg.index_text(text)
        doc.set_data(doc_id)
        db.add_document(doc)
    db.commit()
    build = time.perf_counter() - start
    enquire = xapian.Enquire(db)
    enquire.set_weighting_scheme(xapian.BM25Weight(0.9, 0, 1, 0.4, 0.5))
    qp = xapian.QueryParser()
    qp.set_stemmer(xapian.Stem("english"))
    qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
    qp.set_database(db)
    qp.set_default_op(xapian.Query.OP_OR)

    def search(text):
        enquire.set_query(qp.parse_query(text, 0))
        return [m.document.get_data().decode() for m in enquire.get_mset(0, 100)]

    runs, qps = timed_queries(queries, search, repeat)
    return build, qps, runs


def bench_fts5(corpus, queries, repeat):
    start = time.perf_counter()
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='porter unicode61')")
    con.executemany("INSERT INTO docs(rowid, body) VALUES (?, ?)",
                    ((i, text) for i, (_, text) in enumerate(corpus)))
    con.commit()
    build = time.perf_counter() - start
    ids = [d for d, _ in corpus]
    word = re.compile(r"\w+", re.UNICODE)

    def search(text):
        terms = word.findall(text.lower())
        if not terms:
            return []
        match = " OR ".join('"%s"' % t for t in terms)
        rows = con.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 100",
                           (match,)).fetchall()
        return [ids[r[0]] for r in rows]

    runs, qps = timed_queries(queries, search, repeat)
    return build, qps, runs


def bench_ragdb(text_eval, data, repeat):
    out = subprocess.run([text_eval, "--data", data, "--preset", "anserini", "--segments", "4",
                          "--repeat", str(repeat)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/beir-scifact")
    ap.add_argument("--text-eval", default="build-text/text/text_eval")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    corpus, queries, qrels = load(a.data)
    with tempfile.TemporaryDirectory() as tmp:
        xb, xq, xr = bench_xapian(corpus, queries, a.repeat, tmp)
    fb, fq, fr = bench_fts5(corpus, queries, a.repeat)
    r = bench_ragdb(a.text_eval, a.data, a.repeat)
    print("%d docs, %d queries (OR, top 100, 1 thread, query parsing included)" %
          (len(corpus), len(queries)))
    print("%-8s %10s %10s %9s" % ("engine", "build s", "QPS", "nDCG@10"))
    print("%-8s %10.3f %10.0f %9.4f" % ("ragdb", r["build_seconds"], r["qps_1thread"], r["ndcg@10"]))
    print("%-8s %10.3f %10.0f %9.4f" % ("xapian", xb, xq, ndcg10(xr, qrels)))
    print("%-8s %10.3f %10.0f %9.4f" % ("fts5", fb, fq, ndcg10(fr, qrels)))
    print("ragdb/xapian QPS %.2fx, ragdb/fts5 QPS %.2fx; ragdb %d threads: %.0f QPS" %
          (r["qps_1thread"] / xq, r["qps_1thread"] / fq, r["threads"], r["qps_nthreads"]))


if __name__ == "__main__":
    main()
