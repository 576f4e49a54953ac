#!/usr/bin/env bash
# The main job on the embedded default: installs what is missing, builds, then loads the samples
# kept in examples/ into a local data folder: a filtered vector search over products, then a
# knowledge base of documents and a question answered with citations.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
data=${RAGDB_DEMO_DATA:-./demo-data}
rm -rf "$data"
ragdb() { ./build/ragdb --data "$data" "$@"; }

echo "== create a collection of 4-d product vectors (cosine) with indexed payload fields"
ragdb create products --dim 4 --metric cosine --text \
  --payload-index category:keyword --payload-index price:float --payload-index in_stock:bool >/dev/null
echo "== upsert the sample (examples/products.jsonl, durable when the command returns)"
ragdb upsert products examples/products.jsonl
echo "== how many outdoor products are in stock?"
ragdb count products --filter 'category == "outdoor" and in_stock == true'
echo "== nearest to an 'outdoor gear' vector, under 100, in stock, not tagged winter"
ragdb search products --vector '[0.1, 0.9, 0.1, 0.2]' --k 5 \
  --filter 'price < 100 and in_stock == true and not tags in ["winter"]'
echo "== ingest the sample documents (examples/docs: Markdown, HTML, text, Chinese) into a knowledge base"
ragdb ingest guide examples/docs
echo "== ask a question: the answer cites its sources (extractive without an LLM configured)"
ragdb ask guide "When is a write durable?"
echo "== verify every checksum"
ragdb check
