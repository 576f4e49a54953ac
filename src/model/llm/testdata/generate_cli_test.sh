#!/usr/bin/env bash
# `ragdb generate` and `ragdb model add` as a user runs them (CTest: llm_generate_cli).
#   generate_cli_test.sh RAGDB_BINARY FIXTURE_DIR SHARED_DATA_DIR
set -euo pipefail
bin="$1"
fixtures="$2"
shared="${RAGDB_SHARED_DATA:-$3}"
stories="$shared/tinyllm-stories260K"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export RAGDB_MODEL_CACHE="$work/models"
fail() { echo "FAIL: $*" >&2; exit 1; }

# The verified greedy text, from the llama2.c folder, its GGUF conversion and an installed name.
{ cat "$stories/expected_greedy_200tok.txt"; echo; } > "$work/expected"
"$bin" generate --model "$stories" --temperature 0 --max-tokens 200 "" > "$work/a"
cmp -s "$work/a" "$work/expected" || fail "llama2.c folder: $(head -c 200 "$work/a")"
"$bin" generate --model "$fixtures/stories260K-f32.gguf" --temperature 0 --max-tokens 200 "" > "$work/b"
cmp -s "$work/b" "$work/expected" || fail "GGUF file"
"$bin" model add stories "$stories" > /dev/null
"$bin" model list | grep -q '^stories' || fail "model list"
"$bin" generate --model stories --temperature 0 --max-tokens 200 --threads 1 "" > "$work/c"
cmp -s "$work/c" "$work/expected" || fail "installed name"

# Speculative decoding: the same greedy text with a draft.
"$bin" generate --model "$fixtures/llama-f32.gguf" --temperature 0 --max-tokens 40 "Lily" > "$work/d"
"$bin" generate --model "$fixtures/llama-f32.gguf" --draft "$fixtures/draft-f32.gguf" \
  --draft-tokens 3 --temperature 0 --max-tokens 40 "Lily" > "$work/e"
cmp -s "$work/d" "$work/e" || fail "speculative output differs"

# ask --llm local:NAME: a generated answer (mode "llm") citing the retrieved chunk; extractive
# without --llm; an unknown local model is an error naming it. (Builds without knowledge bases,
# such as the edge preset, have no `ask`.)
passed=8
usage="$("$bin" 2>&1 || true)"
if grep -q '^  ask KB' <<< "$usage"; then
  passed=11
  mkdir "$work/docs"
  echo "Lily loved to play outside in the park with her friends. One day she found a big red ball." \
    > "$work/docs/lily.txt"
  "$bin" --data "$work/data" ingest kb "$work/docs" > /dev/null
  "$bin" --data "$work/data" ask kb "What did Lily find?" --llm local:stories > "$work/ask"
  grep -q '"mode":"llm"' "$work/ask" || fail "ask --llm local: $(head -c 300 "$work/ask")"
  grep -q 'lily.txt' "$work/ask" || fail "ask --llm local: no citation"
  "$bin" --data "$work/data" ask kb "What did Lily find?" > "$work/ask2"
  grep -q '"mode":"extractive"' "$work/ask2" || fail "ask without --llm: $(head -c 300 "$work/ask2")"
  set +e
  "$bin" --data "$work/data" ask kb "What did Lily find?" --llm local:nosuch > /dev/null 2> "$work/err"
  [[ $? == 1 ]] && grep -q nosuch "$work/err" || fail "ask --llm local:unknown"
  set -e
fi

# Errors: usage (2), runtime (1), nothing installed by a failed add.
set +e
"$bin" generate --model stories --temperature hot "x" > /dev/null 2>&1; [[ $? == 2 ]] || fail "bad flag exit code"
"$bin" generate --temperature 0 "x" > /dev/null 2>&1; [[ $? == 2 ]] || fail "missing --model exit code"
"$bin" generate --model "$work/none.gguf" "x" 2> "$work/err"; [[ $? == 1 ]] || fail "missing model exit code"
grep -q "none.gguf" "$work/err" || fail "error names the model"
head -c 1000 "$fixtures/llama-q8_0.gguf" > "$work/cut.gguf"
"$bin" model add cut "$work/cut.gguf" 2> "$work/err"; [[ $? == 1 ]] || fail "truncated add exit code"
set -e
[[ ! -e "$RAGDB_MODEL_CACHE/cut" ]] || fail "a failed add left a model behind"
echo "generate_cli_test: $passed passed, 0 failed"
