#!/usr/bin/env bash
# HTTP server benchmark (issue #5): wrk search and search+upsert mixes at 1, 16, 256 and 1000
# connections, the HTTP cost against embedded search on the same data, and a 60 s soak at 256
# connections with RSS sampling.
#   bench/server_bench.sh [BUILD_DIR] [POINTS] [DURATION_S] [PARTS]
# PARTS: all (default), or ratio for the HTTP-cost comparison alone.
# Needs: wrk, python3, curl, taskset (scripts/install-deps.sh --bench); BUILD_DIR holds
# ragdb (or src/server/ragdb_serve) and src/server/server_embedded_bench.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
points="${2:-20000}"
dur="${3:-10}"
parts="${4:-all}"
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
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$data" "$data.copy" "$cfg"; }
trap cleanup EXIT

start() {  # [CPU to pin the server to]
  local pin=()
  [[ -n "${1:-}" ]] && pin=(taskset -c "$1")
  "${pin[@]}" "$bin" --data "$data" serve --port "$port" --config "$cfg" 2>"$data.log" &
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
# searches over HTTP and in-process (on a copy of the data folder), two ways.
#  shared: wrk (2 threads, 16 connections) and the server share both cores, against embedded
#    search on 2 threads. Besides the wall-clock ratio, CPU time per query: server process CPU
#    per request against the embedded search loop's CPU per query.
#  one core each: the server started on core 0 (so it sizes itself for one CPU: one I/O
#    thread) and wrk on core 1, against embedded search on core 0 with one thread, so that the
#    load generator takes no CPU from the server.
# Both count in the server's CPU what the kernel spends delivering each response to wrk over
# loopback (on a VM, a wake-up of the other core per response). This VM's speed drifts by tens of
# percent from one minute to the next, so the measurements alternate in short slices over
# several rounds and each ratio is the median of the rounds' ratios.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
slice=4
rounds=5
http_run() {  # wrk-prefix-args... ; prints "qps requests server_cpu_ticks"
  local t0 t1 out
  t0="$(ticks "$pid")"
  out="$("$@" -c16 -d"$slice"s -s "$here/server_search.lua" "$url")"
  t1="$(ticks "$pid")"
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '/requests in/ {print $1}' <<<"$out") $((t1 - t0))"
}
emb_run() {  # THREADS [CPU to pin to]; prints "qps cpu_us_per_query"
  local out pin=()
  [[ -n "${2:-}" ]] && pin=(taskset -c "$2")
  out="$("${pin[@]}" "$embedded" "$data.copy" bench "$slice" "$1")"
  echo "$(awk '/embedded_qps/ {print $2}' <<<"$out") $(awk '/embedded_cpu_us_per_query/ {print $2}' <<<"$out")"
}
cp -r "$data" "$data.copy"
rm -f "$data.copy/LOCK"
pinned=0
(($(nproc) >= 2)) && pinned=1
warm() { wrk -t1 -c4 -d1s -s "$here/server_search.lua" "$url" >/dev/null; }
samples=""
for _ in $(seq "$rounds"); do
  read -r hq hreq hticks <<<"$(http_run wrk -t2)"
  read -r eq eus <<<"$(emb_run 2)"
  pq=0 preq=1 pticks=0 e1q=1
  if ((pinned)); then
    stop
    start 0
    warm
    read -r pq preq pticks <<<"$(http_run taskset -c 1 wrk -t1)"
    read -r e1q _ <<<"$(emb_run 1 0)"
    stop
    start
    warm
  fi
  samples+="$hq $hreq $hticks $eq $eus $pq $preq $pticks $e1q;"
done
rm -rf "$data.copy"
python3 - "$hz" "$pinned" "$samples" <<'PY'
import statistics as st, sys
hz, pinned = float(sys.argv[1]), int(sys.argv[2])
rows = [list(map(float, r.split())) for r in sys.argv[3].split(';') if r.strip()]
wall, cpu, one, h_us_all, e_us_all, p_us_all = [], [], [], [], [], []
for hq, hreq, hticks, eq, e_us, pq, preq, pticks, e1q in rows:
    h_us = hticks / hz / hreq * 1e6
    wall.append(hq / eq)
    cpu.append(e_us / h_us)
    h_us_all.append(h_us)
    e_us_all.append(e_us)
    if pinned:
        one.append(pq / e1q)
        p_us_all.append(pticks / hz / preq * 1e6)
med = st.median
print(f'HTTP cost, median of {len(rows)} rounds of 4 s slices (per-round values in brackets):')
print(f'  shared cores: wall ratio http/embedded {med(wall):.2f} {[round(x, 2) for x in wall]}')
print(f'  shared cores: cpu per query http {med(h_us_all):.0f} us, embedded {med(e_us_all):.0f} us; '
      f'cpu ratio {med(cpu):.2f} {[round(x, 2) for x in cpu]} (HTTP cost {100 * (1 - med(cpu)):.0f}%)')
if pinned:
    print(f'  one core each: ratio {med(one):.2f} {[round(x, 2) for x in one]} (HTTP cost '
          f'{100 * (1 - med(one)):.0f}%; server {med(p_us_all):.0f} us CPU per request)')
PY

if [[ "$parts" == ratio ]]; then
  stop
  exit 0
fi
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
