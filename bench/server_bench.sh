#!/usr/bin/env bash
# HTTP server benchmark (issue #5): wrk search and search+upsert mixes at 1, 16, 256 and 1000
# connections, the HTTP cost against embedded search on the same data, and a 60 s soak at 256
# connections with RSS sampling.
#   bench/server_bench.sh [BUILD_DIR] [POINTS] [DURATION_S]
# Needs: wrk, python3, curl, taskset (scripts/install-deps.sh --bench); BUILD_DIR holds
# ragdb (or src/server/ragdb_serve) and src/server/server_embedded_bench.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
points="${2:-20000}"
dur="${3:-10}"
dim=128
bin="$build/ragdb"
[[ -x "$bin" ]] || bin="$build/src/server/ragdb_serve"
embedded="$build/src/server/server_embedded_bench"   # the tree's layout (build/src/server/)
data="$(mktemp -d /tmp/ragdb-bench.XXXXXX)"
port=$((20000 + RANDOM % 20000))
url="http://127.0.0.1:$port"
cfg="$data.toml"
cat > "$cfg" <<TOML
[server]
access_log = false
max_concurrent_requests = 4096
worker_threads = 16
TOML
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$data" "$cfg"; }
trap cleanup EXIT

start() {
  "$bin" --data "$data" serve --port "$port" --config "$cfg" 2>"$data.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "$url/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start"; cat "$data.log"; exit 1
}
stop() { kill -TERM "$pid"; wait "$pid" || true; pid=""; }

echo "# ragdb server bench: $points points, dim $dim, cosine, FLAT; $(nproc) cores; binary $bin"
start
curl -sf -X PUT "$url/collections/bench" -H 'Content-Type: application/json' \
  -d "{\"vectors\":{\"size\":$dim,\"distance\":\"Cosine\"}}" >/dev/null
python3 - "$url" "$points" "$dim" <<'PY'
import json, random, sys, urllib.request
url, n, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(1)
for start in range(0, n, 1000):
    pts = [{"id": i, "vector": [random.uniform(-1, 1) for _ in range(dim)], "payload": {"g": i % 10}}
           for i in range(start + 1, min(n, start + 1000) + 1)]
    req = urllib.request.Request(url + "/collections/bench/points?wait=true",
                                 data=json.dumps({"points": pts}).encode(), method="PUT",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
echo "loaded: $(curl -sf -X POST "$url/collections/bench/points/count" -H 'Content-Type: application/json' -d '{}')"

run() {  # script connections seconds
  local out
  local t=2
  (($2 < 2)) && t=1  # wrk needs connections >= threads
  out="$(wrk -t$t -c"$2" -d"$3"s --latency -s "$here/$1" "$url" 2>&1)" || true
  local qps p50 p99 errs
  qps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  errs="$(awk '/Non-2xx/ {print $NF} /Socket errors/ {print}' <<<"$out" | tr '\n' ' ')"
  printf "%-18s c=%-5s qps=%-10s p50=%-9s p99=%-9s errors=%s\n" "$1" "$2" "$qps" "$p50" "$p99" "${errs:-0}"
}
# HTTP cost, measured first on the freshly loaded data (the mixes below add points): the same
# searches over HTTP and in-process, two ways.
#  shared: wrk (2 threads, 16 connections) and the server share both cores, against embedded
#    search on 2 threads. Besides the wall-clock ratio, CPU time per query: server process CPU
#    per request against the embedded search loop's CPU per query.
#  one core each: the server pinned to core 0 and wrk to core 1, against embedded search on
#    core 0 with one thread, so that the load generator takes no CPU from the server.
# Both count in the server's CPU what the kernel spends delivering each response to wrk over
# loopback (on a VM, a wake-up of the other core per response).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
http_run() {  # wrk-prefix-args... ; prints "qps requests server_cpu_ticks"
  local t0 t1 out
  t0="$(ticks "$pid")"
  out="$("$@" -c16 -d"$dur"s -s "$here/server_search.lua" "$url")"
  t1="$(ticks "$pid")"
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '/requests in/ {print $1}' <<<"$out") $((t1 - t0))"
}
read -r http_qps http_reqs http_ticks <<<"$(http_run wrk -t2)"
pinned=0
if (($(nproc) >= 2)); then
  pinned=1
  taskset -a -p -c 0 "$pid" >/dev/null
  read -r pin_qps pin_reqs pin_ticks <<<"$(http_run taskset -c 1 wrk -t1)"
fi
stop
emb_out="$("$embedded" "$data" bench "$dur" 2)"
emb_qps="$(awk '/embedded_qps/ {print $2}' <<<"$emb_out")"
emb_cpu="$(awk '/embedded_cpu_us_per_query/ {print $2}' <<<"$emb_out")"
if ((pinned)); then
  emb1_out="$(taskset -c 0 "$embedded" "$data" bench "$dur" 1)"
  emb1_qps="$(awk '/embedded_qps/ {print $2}' <<<"$emb1_out")"
else
  pin_qps=0 pin_reqs=1 pin_ticks=0 emb1_qps=1
fi
python3 - "$http_qps" "$http_reqs" "$http_ticks" "$hz" "$emb_qps" "$emb_cpu" "$pinned" \
  "$pin_qps" "$pin_reqs" "$pin_ticks" "$emb1_qps" <<'PY'
import sys
hq, hreq, hticks, hz, eq, e_us, pinned, pq, preq, pticks, e1q = map(float, sys.argv[1:])
h_us = hticks / hz / hreq * 1e6
print(f'shared cores: http_qps(c=16) {hq:.0f}  embedded_qps(2 threads) {eq:.0f}  '
      f'wall ratio {hq / eq:.2f}')
print(f'  cpu per query: http {h_us:.1f} us, embedded {e_us:.1f} us  cpu ratio '
      f'(embedded/http) {e_us / h_us:.2f}  (HTTP cost {100 * (1 - e_us / h_us):.0f}%)')
if pinned:
    p_us = pticks / hz / preq * 1e6
    print(f'one core each: http_qps(c=16) {pq:.0f} ({p_us:.1f} us CPU per request)  '
          f'embedded_qps(1 thread) {e1q:.0f}  ratio {pq / e1q:.2f}  (HTTP cost '
          f'{100 * (1 - pq / e1q):.0f}%)')
PY
start

for c in 1 16 256 1000; do run server_search.lua "$c" "$dur"; done
for c in 1 16 256 1000; do run server_mixed.lua "$c" "$dur"; done

# Soak: 60 s at 256 connections, RSS every 5 s.
rss=()
( for _ in $(seq 12); do sleep 5; awk '/VmRSS/ {print $2}' /proc/$pid/status; done ) > "$data.rss" &
sampler=$!
run server_search.lua 256 60
wait $sampler || true
echo "soak RSS kB every 5 s: $(tr '\n' ' ' < "$data.rss")"

stop
