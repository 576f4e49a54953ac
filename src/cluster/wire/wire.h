// The binary forms of what travels between nodes for reads gathered over shards: a request for
// several shards of one collection on one node, its reply, and the requests and results inside.
// Integers are varints, floats raw little-endian f32 (exact), strings length-prefixed
// (base/bytes.h); records use the storage codec (storage/record_codec.h, float32 form) and
// payloads MessagePack, as segment files do; filters travel as their JSON text (small, and
// parsed once per node). Every decoder checks counts and lengths against what is left, never
// reads past its input, and fails with InvalidArgument naming the part.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "ragdb/database.h"
#include "text/bm25.h"

namespace ragdb::cluster {

enum class ReadKind : uint8_t {
  kSearch = 1,        // args: SearchRequest; result: points
  kTextStats = 2,     // args: TextSearchRequest; result: CollectionStats (summed)
  kSearchText = 3,    // args: TextSearchRequest + CollectionStats; result: points
  kSearchSparse = 4,  // args: SparseSearchRequest; result: points
  kCount = 5,         // args: filter; result: varint count (summed)
  kScroll = 6,        // args: ScrollRequest; result: ScrollPage (merged)
  kGet = 7,           // args: u8 with_vectors; per shard: its ids; result: records
  kDescribe = 8,      // args: none; result: CollectionInfo (summed)
  kRecommend = 9,     // args: RecommendRequest (examples as vectors); result: points
  kDiscover = 10,     // args: DiscoverRequest (examples as vectors); result: points
  kFacet = 11,        // args: FacetRequest; result: every value's count (summed)
  kSample = 12,       // args: SampleRequest; result: records + the count they were drawn from
  kLast = kSample,
};
const char* ReadKindName(ReadKind kind);

// A read of some shards of one collection on one node (POST /ragdb/cluster/read).
struct ShardReadRequest {
  std::string collection;  // the cluster-wide name
  int64_t incarnation = 0;
  ReadKind kind = ReadKind::kSearch;
  struct Shard {
    uint32_t shard = 0;
    bool replica_ok = false;  // a replica may answer; else only the shard's owner
    uint64_t min_seq = 0;     // the copy must have applied the log this far
    std::string args;         // per-shard arguments (kGet: its ids)
  };
  std::vector<Shard> shards;
  std::string args;  // the read's arguments, the same for every shard
};
void EncodeShardReadRequest(const ShardReadRequest& r, std::string* out);
Result<ShardReadRequest> DecodeShardReadRequest(std::string_view bytes);

// The reply: the shards that could not be read here (with why), and the result over the
// others, already merged as the caller merges results.
struct ShardReadReply {
  std::vector<std::pair<uint32_t, Status>> failed;
  std::string result;
};
void EncodeShardReadReply(const ShardReadReply& r, std::string* out);
Result<ShardReadReply> DecodeShardReadReply(std::string_view bytes);

// Writes (and optimize calls) for some shards of one collection, sent to the node that owns
// them (POST /ragdb/cluster/write). Each shard's ops are a log_ops.h op list.
struct ShardWriteRequest {
  std::string collection;
  int64_t incarnation = 0;
  bool optimize = false;  // Optimize() each shard (and publish a snapshot) instead of ops
  struct Shard {
    uint32_t shard = 0;
    std::string ops;  // EncodeOps
  };
  std::vector<Shard> shards;
};
void EncodeShardWriteRequest(const ShardWriteRequest& r, std::string* out);
Result<ShardWriteRequest> DecodeShardWriteRequest(std::string_view bytes);

// Per shard: the outcome, and for a committed write the points it touched and its chunk.
struct ShardWriteReply {
  struct Shard {
    uint32_t shard = 0;
    Status status;
    uint64_t affected = 0;
    uint64_t seq = 0;
  };
  std::vector<Shard> shards;
};
void EncodeShardWriteReply(const ShardWriteReply& r, std::string* out);
Result<ShardWriteReply> DecodeShardWriteReply(std::string_view bytes);

// ---- the pieces (Put* appends, Get* reads one from `in`) ----
void PutSearchRequest(const SearchRequest& r, std::string* out);
Status GetSearchRequest(ByteReader* in, SearchRequest* r);
void PutTextSearchRequest(const TextSearchRequest& r, std::string* out);
Status GetTextSearchRequest(ByteReader* in, TextSearchRequest* r);
void PutSparseSearchRequest(const SparseSearchRequest& r, std::string* out);
Status GetSparseSearchRequest(ByteReader* in, SparseSearchRequest* r);
void PutScrollRequest(const ScrollRequest& r, std::string* out);
Status GetScrollRequest(ByteReader* in, ScrollRequest* r);
void PutFilter(const std::optional<Filter>& f, std::string* out);
Status GetFilter(ByteReader* in, std::optional<Filter>* f);
void PutStats(const text::CollectionStats& s, std::string* out);
Status GetStats(ByteReader* in, text::CollectionStats* s);
void PutIds(std::span<const PointId> ids, std::string* out);
Status GetIds(ByteReader* in, std::vector<PointId>* ids);

void PutPoints(const std::vector<ScoredPoint>& points, std::string* out);
Status GetPoints(ByteReader* in, std::vector<ScoredPoint>* points);
void PutRecords(const std::vector<Record>& records, std::string* out);
Status GetRecords(ByteReader* in, std::vector<Record>* records);
void PutScrollPage(const ScrollPage& page, std::string* out);
Status GetScrollPage(ByteReader* in, ScrollPage* page);
void PutInfo(const CollectionInfo& info, std::string* out);  // points, wal bytes, segments
Status GetInfo(ByteReader* in, CollectionInfo* info);

// The exploration calls (wire_explore.cc). Examples travel as vectors: the receiving node looks
// stored points up before it sends a request.
void PutRecommendRequest(const RecommendRequest& r, std::string* out);
Status GetRecommendRequest(ByteReader* in, RecommendRequest* r);
void PutDiscoverRequest(const DiscoverRequest& r, std::string* out);
Status GetDiscoverRequest(ByteReader* in, DiscoverRequest* r);
void PutFacetRequest(const FacetRequest& r, std::string* out);
Status GetFacetRequest(ByteReader* in, FacetRequest* r);
void PutFacetHits(const std::vector<FacetHit>& hits, std::string* out);
Status GetFacetHits(ByteReader* in, std::vector<FacetHit>* hits);
void PutSampleRequest(const SampleRequest& r, std::string* out);
Status GetSampleRequest(ByteReader* in, SampleRequest* r);
void PutOrderBy(const std::optional<OrderBy>& o, std::string* out);
Status GetOrderBy(ByteReader* in, std::optional<OrderBy>* o);
void PutJsonValues(const std::vector<Json>& values, std::string* out);
Status GetJsonValues(ByteReader* in, std::vector<Json>* values);

// InvalidArgument unless `in` is at its end (after the last piece).
Status ExpectEnd(const ByteReader& in, const char* what);

}  // namespace ragdb::cluster
