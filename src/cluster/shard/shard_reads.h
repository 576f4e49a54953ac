// Reads over shard copies held by one node, and the merging of their results into the answer one
// collection holding all of them gives. Both ends of a scatter-gather use these functions: the
// node that serves other nodes runs a read over its copies and replies with one merged result
// (wire.h); the node that received the request runs it over its own copies in process (no
// serialization, no thread hand-off) and merges those with the replies. Merging is associative,
// so merging per node and again at the receiver gives the single-node answer: top lists by
// score (equal scores by id), BM25 statistics and counts summed, scroll pages cut at the limit
// with the smallest left-over id as the next offset (ordered scrolls: by value, then id), facet
// counts summed by value, samples drawn from each side in proportion to what it was drawn from.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/wire/wire.h"
#include "ragdb/database.h"
#include "text/bm25.h"

namespace ragdb::cluster {

// The arguments of a read; which members matter depends on the kind (wire.h).
struct ReadArgs {
  ReadKind kind = ReadKind::kSearch;
  SearchRequest search;                   // kSearch (k = the list each shard returns, offset 0)
  TextSearchRequest text;                 // kTextStats, kSearchText (k as for search)
  text::CollectionStats stats;            // kSearchText: summed over every shard
  SparseSearchRequest sparse;             // kSearchSparse (k as for search)
  std::optional<Filter> filter;           // kCount
  ScrollRequest scroll;                   // kScroll
  RecommendRequest recommend;             // kRecommend (examples as vectors; k as for search)
  DiscoverRequest discover;               // kDiscover (the same)
  FacetRequest facet;                     // kFacet (limit unbounded: every value's count)
  SampleRequest sample;                   // kSample
  bool with_vectors = true;               // kGet
  std::vector<std::vector<PointId>> ids;  // kGet: by shard number
  bool lower_is_better = false;           // top lists: l2 and hamming distances sort ascending
};
void EncodeReadArgs(const ReadArgs& args, std::string* out);  // without ids (per shard)
Status DecodeReadArgs(ReadKind kind, std::string_view bytes, ReadArgs* args);

// A result being merged.
struct ReadResult {
  std::vector<ScoredPoint> points;  // top lists (cut by Finish)
  text::CollectionStats stats;
  uint64_t count = 0;
  std::vector<Record> records;         // kGet, kScroll, kSample
  std::vector<Json> order_values;      // kScroll with order_by: the value each record is at
  std::optional<PointId> next_offset;  // kScroll
  std::vector<FacetHit> facets;        // kFacet
  uint64_t population = 0;             // kSample: how many points `records` were drawn from
  CollectionInfo info;                 // kDescribe
};

// One shard's copy on this node.
struct LocalShard {
  uint32_t shard = 0;
  Collection* collection = nullptr;
};

// Runs the read on each shard and merges into `out`. Stops at the first error, naming the shard.
Status ReadLocal(const ReadArgs& args, std::span<const LocalShard> shards, ReadResult* out);
// Merges another node's encoded (already merged) result into `out`.
Status MergeEncoded(const ReadArgs& args, std::string_view bytes, ReadResult* out);
// Cuts what merging accumulated to what one collection returns: top lists to their k, scroll
// pages to the limit (next offset = the smallest id left over).
void Finish(const ReadArgs& args, ReadResult* out);
// The finished result in the form MergeEncoded reads.
void EncodeResult(const ReadArgs& args, const ReadResult& result, std::string* out);

}  // namespace ragdb::cluster
