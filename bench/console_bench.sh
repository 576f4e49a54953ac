#!/usr/bin/env bash
# Web console benchmark: bench/console_bench.sh BUILD_DIR [BIG=1000000]
# Builds, in a temporary data folder:
#   - KB "scifact": the SciFact corpus (../shared/data/beir-scifact) as text files, chunked to
#     about 10k chunks, for the per-page times (first paint, interactive);
#   - collections "pts10k" and "pts1m" (BIG points, 8-d, payload id_bucket = id % 100) for the
#     points browser, small beside large;
#   - KB "big": 1,000 generated documents of BIG / 1,000 chunks each, for the chunk browser.
# then starts `ragdb serve` on loopback and runs bench/console_bench.mjs in headless chromium
# (the console tests' playwright-core: run tests/console/run.sh once, or npm ci there).
# Figures are medians of 5; the layer is the browser (a page's own time, server included).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$(cd "${1:?usage: $0 BUILD_DIR [BIG]}" && pwd)"
big="${2:-1000000}"
bin="$build/ragdb"
corpus="$root/../shared/data/beir-scifact/corpus.jsonl"
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
"$bin" --data "$data" ingest scifact "$work/scifact" --chunk-size 110 --overlap 10 --quiet \
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
"$bin" --data "$data" upsert pts1m "$work/points.jsonl" >/dev/null
rm "$work/points.jsonl"

echo "console_bench: KB big ($big chunks in 1,000 documents)"
mkdir -p "$work/big"
node -e '
  const fs = require("fs");
  const per = Math.max(1, Math.floor(Number(process.argv[1]) / 1000));
  for (let d = 0; d < 1000; d++) {
    const parts = [];
    for (let c = 0; c < per; c++) parts.push(`Section ${c} of file ${d} records fact ${(d * per + c) % 9973}.`);
    fs.writeFileSync(`${process.argv[2]}/doc${String(d).padStart(4, "0")}.txt`, parts.join("\n\n") + "\n");
  }' "$big" "$work/big"
/usr/bin/time -f "console_bench: ingest of KB big took %e s" \
  "$bin" --data "$data" ingest big "$work/big" --chunk-size 12 --overlap 0 --embedder hash:16 \
  --quiet > "$work/big.json"

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
    const big = await get("/ragdb/kb/big");
    const bigDocs = (await get("/ragdb/kb/big/documents?limit=1")).documents;
    const pts = await get("/collections/pts1m");
    console.log(JSON.stringify({
      kb: "scifact", kb_chunks: kb.chunks, kb_doc: kbDocs[0].doc_id, kb_doc_chunks: kbDocs[0].chunks,
      big_kb: "big", big_kb_chunks: big.chunks, big_doc: bigDocs[0].doc_id,
      big_doc_chunks: bigDocs[0].chunks, small_points: "pts10k", small_points_count: 10000,
      big_points: "pts1m", big_points_count: pts.points_count, runs: 5}));
  })();' "http://127.0.0.1:$port")"
echo "console_bench: $config"
node "$here/console_bench.mjs" "http://127.0.0.1:$port" "$config"
