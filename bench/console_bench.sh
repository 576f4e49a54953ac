#!/usr/bin/env bash
# Web console benchmark: bench/console_bench.sh BUILD_DIR [BIG=1000000]
# (SHARED_DATA=../shared/data by default, relative to the current folder.)
# Builds, in a temporary data folder:
#   - KB "scifact": the SciFact corpus (../shared/data/beir-scifact) as text files, chunked to
#     about 10k chunks, for the per-page times (first paint, interactive);
#   - collections "pts10k" and "pts1m" (BIG points, 8-d, payload id_bucket = id % 100) for the
#     points browser, small beside large;
#   - KBs "chunks10k" and "chunks1m": 10 and BIG / 1,000 generated documents of 1,000 chunks
#     each, for the chunk browser, small beside large.
# then starts `ragdb serve` on loopback and runs bench/console_bench.mjs in headless chromium
# (the console tests' playwright-core: run tests/console/run.sh once, or npm ci there).
# Figures are medians of 5; the layer is the browser (a page's own time, server included).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$(cd "${1:?usage: $0 BUILD_DIR [BIG]}" && pwd)"
big="${2:-1000000}"
bin="$build/ragdb"
corpus="$(cd "${SHARED_DATA:-../shared/data}" && pwd)/beir-scifact/corpus.jsonl"
work="$(mktemp -d /tmp/ragdb-console-bench.XXXXXX)"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
data="$work/data"
export RAGDB_MODEL_CACHE="$work/models"
if [[ ! -d "$root/tests/console/node_modules/playwright-core" ]]; then
  (cd "$root/tests/console" && npm ci --no-audit --no-fund)
fi

echo "console_bench: SciFact corpus -> text files -> KB scifact"
mkdir -p "$work/scifact"
node -e '
  const fs = require("fs");
  const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
  for (const l of lines) {
    const d = JSON.parse(l);
    fs.writeFileSync(`${process.argv[2]}/${d._id}.txt`, `${d.title}\n\n${d.text}\n`);
  }' "$corpus" "$work/scifact"
"$bin" --data "$data" ingest scifact "$work/scifact" --chunk-size 150 --overlap 10 --quiet \
  > "$work/scifact.json"

echo "console_bench: points collections (10,000 and $big points)"
gen_points() {  # gen_points N: JSON Lines of 8-d points with a payload
  node -e '
    const n = Number(process.argv[1]);
    let out = [];
    for (let i = 0; i < n; i++) {
      const v = Array.from({length: 8}, (_, j) => Math.sin(i * 0.37 + j * 1.3).toFixed(4));
      out.push(`{"id":${i},"vector":[${v}],"payload":{"id_bucket":${i % 100}}}`);
      if (out.length === 10000) { process.stdout.write(out.join("\n") + "\n"); out = []; }
    }
    if (out.length) process.stdout.write(out.join("\n") + "\n");' "$1"
}
"$bin" --data "$data" create pts10k --dim 8 --metric l2 --payload-index id_bucket:integer >/dev/null
gen_points 10000 | "$bin" --data "$data" upsert pts10k >/dev/null
"$bin" --data "$data" create pts1m --dim 8 --metric l2 --payload-index id_bucket:integer >/dev/null
gen_points "$big" > "$work/points.jsonl"
/usr/bin/time -f "console_bench: writing $big points took %e s" \
  "$bin" --data "$data" upsert pts1m "$work/points.jsonl" >/dev/null
rm "$work/points.jsonl"

# Chunk-browser KBs: documents of 1,000 chunks each, 10 of them beside BIG / 1,000 of them,
# so that only the KB's size differs. Ingesting a million chunks takes hours on this project's
# 2-core VM (each batch's cleanup scans the growing segment, which has no payload index; see
# docs/status.md), so these KBs are created with `kb create` and their chunk and document rows
# written with `upsert` in exactly the layout ingestion writes (docs/rag.md#storage-layout).
make_chunk_kb() {  # make_chunk_kb NAME DOCUMENTS
  "$bin" --data "$data" kb create "$1" --chunk-size 12 --overlap 0 --embedder hash:16 >/dev/null
  node -e '
    const fs = require("fs"), crypto = require("crypto");
    const [docs, chunksOut, rowsOut] = [Number(process.argv[1]), process.argv[2], process.argv[3]];
    const chunks = fs.openSync(chunksOut, "w"), rows = fs.openSync(rowsOut, "w");
    const now = Math.floor(Date.now() / 1000);
    for (let d = 0; d < docs; d++) {
      const source = `doc${String(d).padStart(5, "0")}.txt`;
      const id = "d" + crypto.createHash("sha256").update(source).digest("hex").slice(0, 16);
      const lines = [];
      let offset = 0;
      for (let c = 0; c < 1000; c++) {
        const text = `Section ${c} of file ${d} records fact ${(d * 1000 + c) % 9973}.`;
        const v = Array.from({length: 16}, (_, j) => Math.sin(d * 7 + c * 0.11 + j).toFixed(3));
        lines.push(JSON.stringify({id: `${id}-v1-${c}`, vector: {dense: v.map(Number)}, text,
          payload: {doc_id: id, version: 1, source, chunk: c, page: 0,
                    heading_path: [`Part ${Math.floor(c / 100)}`], start: offset,
                    end: offset + text.length, metadata: {format: "text", file_name: source}}}));
        offset += text.length + 2;
      }
      fs.writeSync(chunks, lines.join("\n") + "\n");
      fs.writeSync(rows, JSON.stringify({id, text: source, payload: {
        kind: "document", source, content_hash: id, metadata: {format: "text", file_name: source},
        input_metadata: {}, version: 1, chunks: 1000, bytes: offset, ingested_at: now}}) + "\n");
    }' "$2" "$work/$1.chunks.jsonl" "$work/$1.rows.jsonl"
  /usr/bin/time -f "console_bench: writing KB $1 took %e s" \
    "$bin" --data "$data" upsert "kb.$1" "$work/$1.chunks.jsonl" >/dev/null
  "$bin" --data "$data" upsert "kb.$1.docs" "$work/$1.rows.jsonl" >/dev/null
  rm -f "$work/$1.chunks.jsonl" "$work/$1.rows.jsonl"
}
echo "console_bench: KBs chunks10k and chunks1m (10 and $((big / 1000)) documents of 1,000 chunks)"
make_chunk_kb chunks10k 10
make_chunk_kb chunks1m $((big / 1000))

port=$((20000 + RANDOM % 20000))
"$bin" --data "$data" serve --port "$port" 2> "$work/serve.log" &
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

# The ids and chunk counts the browser pages need.
config="$(node -e '
  const base = process.argv[1];
  (async () => {
    const get = async (p) => (await (await fetch(base + p)).json()).result;
    const kb = await get("/ragdb/kb/scifact");
    const kbDocs = (await get("/ragdb/kb/scifact/documents?limit=1")).documents;
    const small = await get("/ragdb/kb/chunks10k");
    const smallDocs = (await get("/ragdb/kb/chunks10k/documents?limit=1")).documents;
    const big = await get("/ragdb/kb/chunks1m");
    const bigDocs = (await get("/ragdb/kb/chunks1m/documents?limit=1")).documents;
    const pts = await get("/collections/pts1m");
    console.log(JSON.stringify({
      kb: "scifact", kb_chunks: kb.chunks, kb_doc: kbDocs[0].doc_id,
      small_kb: "chunks10k", small_kb_chunks: small.chunks, small_doc: smallDocs[0].doc_id,
      big_kb: "chunks1m", big_kb_chunks: big.chunks, big_doc: bigDocs[0].doc_id,
      doc_chunks: bigDocs[0].chunks, small_points: "pts10k", small_points_count: 10000,
      big_points: "pts1m", big_points_count: pts.points_count, runs: 5}));
  })();' "http://127.0.0.1:$port")"
echo "console_bench: $config"
node "$here/console_bench.mjs" "http://127.0.0.1:$port" "$config"
