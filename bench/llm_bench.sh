#!/usr/bin/env bash
# Local generation against llama.cpp: prompt-processing and generation tokens/s of
# `ragdb generate` (CLI) and llama.cpp (node-llama-cpp@3.21.1, its prebuilt CPU backend), same
# GGUF files, same prompt, same thread count, interleaved rounds (bench/llm/llm_bench.mjs).
#   bench/llm_bench.sh [BUILD_DIR] [MODELS_DIR] [THREADS...]
# Models (written once by bench/llm_make_models.py into MODELS_DIR, default /tmp/ragdb-llm-bench):
# stories260K as GGUF, and random weights of Qwen2.5-0.5B's shape in Q8_0 and Q4_K/Q4_0.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../build}"
models="${2:-/tmp/ragdb-llm-bench}"
shift $(( $# > 2 ? 2 : $# ))
threads=("$@")
if ((${#threads[@]} == 0)); then threads=(2 1); fi
if [[ ! -d "$here/llm/node_modules/node-llama-cpp" ]]; then
  (cd "$here/llm" && npm i -E node-llama-cpp@3.21.1 --no-audit --no-fund)
fi
/usr/bin/python3 "$here/llm_make_models.py" "$models"
prompt="Knowledge bases answer questions with citations. The quick brown fox jumps over the lazy dog. Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends and family every day."
long="$prompt $prompt $prompt $prompt $prompt"
for t in "${threads[@]}"; do
  node "$here/llm/llm_bench.mjs" --ragdb "$build/ragdb" --model "$models/stories260K-f32.gguf" \
    --prompt "$prompt" --tokens 200 --threads "$t" --rounds 5
  for m in qwen2.5-0.5b-q8_0 qwen2.5-0.5b-q4_k; do
    node "$here/llm/llm_bench.mjs" --ragdb "$build/ragdb" --model "$models/$m.gguf" \
      --prompt "$long" --tokens 64 --threads "$t" --rounds 5
  done
done
