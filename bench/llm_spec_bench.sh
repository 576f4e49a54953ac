#!/usr/bin/env bash
# Speculative decoding: generation tokens/s of `ragdb generate` (the CLI) on the same target model
# without and with a draft (--draft, --draft-tokens K), interleaved rounds, medians; the greedy
# texts must be identical. Models from bench/llm_make_models.py (spec-target-q8_0.gguf, a
# Qwen2.5-0.5B-shaped Q8_0 model, and spec-draft-q8_0.gguf, its first 2 layers).
#   bench/llm_spec_bench.sh [BUILD_DIR] [MODELS_DIR] [THREADS] [ROUNDS] [DRAFT_TOKENS...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
models="${2:-/tmp/ragdb-llm-bench}"
threads="${3:-1}"
rounds="${4:-5}"
shift $(( $# > 4 ? 4 : $# ))
ks=("$@")
if ((${#ks[@]} == 0)); then ks=(2 4); fi
/usr/bin/python3 "$here/llm_make_models.py" "$models"
prompt="Knowledge bases answer questions with citations. The quick brown fox jumps over the lazy dog."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One run: prints "generation_tokens_per_s accepted proposed" (the first generated token comes
# from the prompt's logits, so (generated - 1) tokens in the generation time).
run() {
  local out="$1"
  shift
  "$build/ragdb" generate --model "$models/spec-target-q8_0.gguf" --temperature 0 \
    --max-tokens 64 --threads "$threads" --stats "$@" -- "$prompt" > "$out" 2> "$work/err"
  sed -nE 's/.*generated: ([0-9]+) tokens in ([0-9.]+) ms.*/\1 \2/p' "$work/err" |
    awk -v s="$(sed -nE 's/.*draft accepted ([0-9]+) of ([0-9]+).*/\1 \2/p' "$work/err")" \
      '{ split(s, a, " "); printf "%.2f %s %s\n", ($1 - 1) * 1000 / $2, a[1] + 0, a[2] + 0 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

configs=(none "${ks[@]}")
for ((r = 0; r < rounds; r++)); do
  for c in "${configs[@]}"; do
    if [[ $c == none ]]; then
      run "$work/text-none" >> "$work/tps-none"
    else
      run "$work/text-$c" --draft "$models/spec-draft-q8_0.gguf" --draft-tokens "$c" >> "$work/tps-$c"
    fi
  done
done
base="$(cut -d' ' -f1 "$work/tps-none" | median)"
echo "ragdb generate (CLI), threads $threads, $rounds interleaved rounds, medians, generation tokens/s:"
echo "  no draft: $base"
for k in "${ks[@]}"; do
  cmp -s "$work/text-none" "$work/text-$k" || { echo "FAIL: text with --draft-tokens $k differs" >&2; exit 1; }
  tps="$(cut -d' ' -f1 "$work/tps-$k" | median)"
  acc="$(tail -1 "$work/tps-$k" | awk '{ printf "%d of %d", $2, $3 }')"
  awk -v k="$k" -v t="$tps" -v b="$base" -v a="$acc" \
    'BEGIN { printf "  draft (2 layers), --draft-tokens %s: %s (%.2fx; draft tokens accepted %s; same text)\n", k, t, t / b, a }'
done
