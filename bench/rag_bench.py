#!/usr/bin/python3
"""RAG benchmark: ingestion throughput and end-to-end `ask` latency, with the time per stage.

  /usr/bin/python3 bench/rag_bench.py --ragdb build/ragdb [--docs 3000] [--pdfs 200] [--asks 100]

Corpus: the first --docs abstracts of BEIR SciFact (../shared/data/beir-scifact, one Markdown
file each: title as heading, abstract as body) and --pdfs multi-page PDFs made from the same
abstracts (one sentence per line, 3 pages each), written to a temporary folder. It runs
`ragdb ingest` on each (MB/s for text, pages/s for PDF, with the summary's per-stage times), then
starts `ragdb serve` and asks --asks SciFact claims through POST /ragdb/kb/{kb}/ask with
timings (embed, search, rerank, assemble, generate). Answers are extractive (no LLM and no
cross-encoder can be downloaded here), so generate and rerank are near zero; with a model
installed pass --reranker NAME.

Peer line: SQLite FTS5 (Python's sqlite3) indexing the same Markdown texts, in the same run; it
only tokenizes and indexes (no parsing, chunking or embedding), so it bounds what the index stage
alone could cost.
"""
import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'docs'))
from make_fixtures import write_pdf  # noqa: E402


def load_corpus(path, n):
    docs = []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if d['text'].strip():
                docs.append(d)
            if len(docs) == n:
                break
    return docs


def write_markdown(docs, folder):
    os.makedirs(folder)
    total = 0
    for d in docs:
        text = f"# {d['title']}\n\n{d['text']}\n"
        with open(os.path.join(folder, f"{d['_id']}.md"), 'w') as f:
            f.write(text)
        total += len(text.encode())
    return total


def pdf_safe(s):
    s = s.encode('latin-1', 'replace').decode('latin-1')
    return s.replace('\\', '\\\\').replace('(', '\\(').replace(')', '\\)')


def write_pdfs(docs, folder, pages_per_pdf=3):
    os.makedirs(folder)
    for i in range(0, len(docs) - pages_per_pdf + 1, pages_per_pdf):
        pages = []
        for d in docs[i:i + pages_per_pdf]:
            lines = [(72, 720, 14, pdf_safe(d['title'][:90]))]
            words, line, y = d['text'].split(), '', 690
            for w in words:
                if len(line) + len(w) > 90:
                    lines.append((72, y, 10, pdf_safe(line)))
                    line, y = '', y - 14
                    if y < 60:
                        break
                line += (' ' if line else '') + w
            if line and y >= 60:
                lines.append((72, y, 10, pdf_safe(line)))
            pages.append(lines)
        write_pdf(os.path.join(folder, f'doc{i // pages_per_pdf}.pdf'), pages, f'SciFact {i}')
    return len(os.listdir(folder)) * pages_per_pdf


def ingest(ragdb, data, kb, folder):
    t = time.perf_counter()
    out = subprocess.run([ragdb, '--data', data, 'ingest', kb, folder, '--quiet'], check=True,
                         capture_output=True, text=True).stdout
    wall = time.perf_counter() - t
    return json.loads(out), wall


def stage_line(summary):
    t = summary['timings_ms']
    total = sum(t.values())
    return ', '.join(f'{k} {v / total:.0%}' for k, v in t.items()), total


def fts5_index(docs):
    db = sqlite3.connect(':memory:')
    db.execute('CREATE VIRTUAL TABLE d USING fts5(title, body)')
    t = time.perf_counter()
    with db:
        db.executemany('INSERT INTO d VALUES (?, ?)', ((d['title'], d['text']) for d in docs))
    return time.perf_counter() - t


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={'content-type': 'application/json'})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ragdb', default='build/ragdb')
    ap.add_argument('--data', default='../shared/data/beir-scifact')
    ap.add_argument('--docs', type=int, default=3000)
    ap.add_argument('--pdfs', type=int, default=200, help='PDF files (3 pages each)')
    ap.add_argument('--asks', type=int, default=100)
    ap.add_argument('--reranker', default='')
    args = ap.parse_args()

    docs = load_corpus(os.path.join(args.data, 'corpus.jsonl'), args.docs)
    claims = [json.loads(l)['text'] for l in open(os.path.join(args.data, 'queries.jsonl'))]
    print(f'cores={os.cpu_count()} docs={len(docs)} pdfs={args.pdfs} asks={args.asks}')
    with tempfile.TemporaryDirectory() as tmp:
        md_dir, pdf_dir, data = (os.path.join(tmp, x) for x in ('md', 'pdf', 'data'))
        md_bytes = write_markdown(docs, md_dir)
        pdf_pages = write_pdfs(docs[:args.pdfs * 3], pdf_dir)

        s, wall = ingest(args.ragdb, data, 'bench', md_dir)
        stages, _ = stage_line(s)
        print(f'\ningest text: {s["added"]} files, {s["chunks"]} chunks, {md_bytes / 1e6:.2f} MB in '
              f'{wall:.2f} s (process) = {md_bytes / 1e6 / wall:.2f} MB/s, '
              f'{s["added"] / wall:.0f} files/s')
        print(f'  stages: {stages}')
        again, wall2 = ingest(args.ragdb, data, 'bench', md_dir)
        print(f'  re-ingest unchanged: {again["unchanged"]} files in {wall2:.2f} s')
        fts = fts5_index(docs)
        print(f'  peer: SQLite FTS5 indexes the same texts in {fts:.2f} s '
              f'({md_bytes / 1e6 / fts:.1f} MB/s; tokenize + index only)')

        p, pwall = ingest(args.ragdb, data, 'pdfs', pdf_dir)
        stages, _ = stage_line(p)
        print(f'\ningest PDF: {p["added"]} files, {p["pages"]} pages (of {pdf_pages}), '
              f'{p["chunks"]} chunks in {pwall:.2f} s = {p["pages"] / pwall:.0f} pages/s')
        print(f'  stages: {stages}')

        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith('RAGDB_LLM')}
        srv = subprocess.Popen([args.ragdb, '--data', data, 'serve', '--port', str(port)],
                               stderr=subprocess.DEVNULL, env=env)
        try:
            base = f'http://127.0.0.1:{port}'
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + '/healthz', timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            body = {'timings': True}
            if args.reranker:
                body['reranker'] = args.reranker
            post(f'{base}/ragdb/kb/bench/ask', {**body, 'question': claims[0]})  # warm up
            lat, per_stage = [], {}
            for q in claims[:args.asks]:
                t = time.perf_counter()
                a = post(f'{base}/ragdb/kb/bench/ask', {**body, 'question': q})['result']
                lat.append((time.perf_counter() - t) * 1000)
                for k, v in a['timings_ms'].items():
                    per_stage.setdefault(k, []).append(v)
            lat.sort()
            total = statistics.mean(per_stage['total'])
            print(f'\nask over HTTP ({args.asks} SciFact claims, k=5, extractive): mean '
                  f'{statistics.mean(lat):.1f} ms, p50 {lat[len(lat) // 2]:.1f} ms, '
                  f'p95 {lat[int(len(lat) * 0.95) - 1]:.1f} ms; in-server total {total:.1f} ms')
            print('  stages: ' + ', '.join(
                f'{k} {statistics.mean(v):.2f} ms ({statistics.mean(v) / total:.0%})'
                for k, v in per_stage.items() if k != 'total'))
        finally:
            srv.terminate()
            srv.wait()


if __name__ == '__main__':
    main()
