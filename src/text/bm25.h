// BM25 search over one segment's InvertedIndexReader, with collection-wide statistics so that a
// row's score does not depend on how the collection is split into segments.
//
// Typical use by the db layer, per query:
//   TextQuery q = ParseTextQuery(analyzer, text).value();
//   CollectionStats stats;
//   for (seg : segments) stats.Add(seg.reader, q.AllTerms());   // cheap: dictionary lookups
//   for (seg : segments) hits[seg] = SearchText(seg.reader, q, stats, {k, params, &seg.live});
//   merge the per-segment top-k lists by score (rows are segment-local).
//
// Scoring is Lucene's BM25 (no (k1+1) factor in the numerator, which does not change ranking):
//   score(d) = sum_t w_t * idf_t * tf / (tf + k1 * (1 - b + b * dl / avgdl))
//   idf_t    = ln(1 + (N - df_t + 0.5) / (df_t + 0.5))
// with w_t the query-term count, N = CollectionStats::doc_count, avgdl = total_tokens / N. A
// phrase contributes (sum of its terms' idf) * pf / (pf + ...) with pf its number of occurrences.
// Deleted rows still count in N and df (as in Lucene) until their segment is rewritten.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/bitset.h"
#include "ragdb/status.h"
#include "text/inverted_index.h"
#include "text/query.h"

namespace ragdb::text {

struct Bm25Params {
  float k1 = 1.2f;
  float b = 0.75f;
};

struct CollectionStats {
  uint64_t doc_count = 0;
  uint64_t total_tokens = 0;
  std::unordered_map<std::string, uint64_t> doc_freq;  // only the terms of interest

  // Adds one segment's counts for `terms` (call once per segment, same terms each time).
  void Add(const InvertedIndexReader& segment, std::span<const std::string> terms);
  double avg_doc_length() const {
    return doc_count == 0 ? 1.0
                          : static_cast<double>(total_tokens) / static_cast<double>(doc_count);
  }
  uint64_t DocFreq(std::string_view term) const;
};

struct ScoredRow {
  uint32_t row;
  float score;
  friend bool operator==(const ScoredRow&, const ScoredRow&) = default;
};

// How SearchText evaluates pure OR queries. kAuto picks dense term-at-a-time accumulation when
// the query's postings are dense relative to the segment (small segments, common terms: WAND's
// per-document bookkeeping costs more than it prunes there), block-max WAND otherwise.
enum class OrStrategy { kAuto, kWand, kTermAtATime };

struct TextSearchOptions {
  size_t k = 10;
  OrStrategy or_strategy = OrStrategy::kAuto;
  Bm25Params bm25;
  const Bitset* allowed = nullptr;  // rows outside it (or past its size) never match
};

// Top-k rows, best first (ties: lower row first). OR queries without phrases use block-max WAND
// or term-at-a-time accumulation (see OrStrategy);
// AND and phrase queries use a document-at-a-time conjunction. Corruption if the index bytes are
// found inconsistent while reading.
Result<std::vector<ScoredRow>> SearchText(const InvertedIndexReader& segment,
                                          const TextQuery& query, const CollectionStats& stats,
                                          const TextSearchOptions& options);

// Scores every row; same results as SearchText (bit-identical scores). For tests and debugging.
Result<std::vector<ScoredRow>> SearchTextExhaustive(const InvertedIndexReader& segment,
                                                    const TextQuery& query,
                                                    const CollectionStats& stats,
                                                    const TextSearchOptions& options);

// BM25 idf as Lucene computes it.
double Bm25Idf(uint64_t doc_count, uint64_t doc_freq);

}  // namespace ragdb::text
