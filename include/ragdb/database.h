// The embedded API: a database is a folder of collections; a collection stores records and
// answers searches over them.
//
//   RAGDB_ASSIGN_OR_RETURN(auto db, ragdb::Database::Open("./data"));
//   RAGDB_ASSIGN_OR_RETURN(auto col, db->CreateCollection("docs", schema));
//   RAGDB_RETURN_IF_ERROR(col->Upsert(records));   // durable when it returns OK
//   RAGDB_ASSIGN_OR_RETURN(auto hits, col->Search(request));
//
// Thread safety: Database and Collection are safe to use from many threads. Searches run
// concurrently with each other and with writes; writes to one collection are serialized (and
// group-committed to its write-ahead log).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/explore.h"
#include "ragdb/filter.h"
#include "ragdb/json.h"
#include "ragdb/point_id.h"
#include "ragdb/record.h"
#include "ragdb/schema.h"
#include "ragdb/status.h"

namespace ragdb {

struct DatabaseOptions {
  // Create the folder when it does not exist. Default: true.
  bool create_if_missing = true;
  // fsync the write-ahead log before a write is acknowledged. Default: true. Turning it off
  // trades durability on power loss for speed (a process crash still loses nothing).
  bool sync_writes = true;
  // The growing (in-memory) segment is sealed into an immutable segment file at this many rows.
  // Default: 65,536.
  size_t seal_threshold_rows = 65536;
  // Segments of at least this many rows are written with their rows in a locality order of their
  // first HNSW-indexed float32 vector field (rows near each other in space stored near each other
  // in memory; docs/architecture.md), so that searches of large segments take fewer cache and TLB
  // misses. The order is invisible to the API. 0 = never. Default: 65,536.
  size_t locality_order_min_rows = 65536;
  // Limits; past them a write fails with ResourceExhausted and nothing is stored.
  size_t max_payload_bytes = 1 << 20;  // serialized JSON payload of one record: 1 MiB
  size_t max_text_bytes = 4 << 20;     // text of one record: 4 MiB
  size_t max_record_bytes = 8 << 20;   // a whole record (vectors + payload + text): 8 MiB
  size_t max_batch_records = 100000;   // records in one Upsert call
  // Rebuild indexes in a background thread after Collection::UpdateVectorIndex (and when a
  // collection opens with a rebuild pending). Default: true. Off, they are rebuilt by the next
  // Optimize, which short-lived processes (the CLI) prefer to a thread they would wait for.
  bool rebuild_indexes_in_background = true;
  // Frugal mode for small devices (docs/edge.md): the most resident memory the database should
  // use while searching, in bytes; 0 = no limit (default). Segment files are verified a piece
  // at a time and read through mmap for random access; once the process's resident set passes
  // seven eighths of the limit, the pages of full vectors and documents (read row by row:
  // re-ranking, payloads) are handed back to the page cache, then, if still over, every page of
  // the segments; the growing segment seals early (at a quarter of the limit). Collections whose
  // vector index keeps 8-bit codes (`quantization: sq8`) search with the codes and the graph
  // resident and the full vectors on disk. Not covered: building indexes (Optimize), exact
  // scans of a column larger than the limit, model weights.
  size_t memory_limit_bytes = 0;
  // Opens the folder without writing to it (an app bundle, a read-only mount, a snapshot):
  // nothing is created, repaired, cleaned or locked exclusively (a shared lock when LOCK exists),
  // the log is replayed into memory, and every write (upsert, delete, create, drop, optimize,
  // index changes, aliases) fails with FailedPrecondition. The folder must hold a database.
  bool read_only = false;
};

// A search hit.
struct ScoredPoint {
  PointId id;
  // Similarity for cosine and ip (higher is better); Euclidean distance for l2 (lower is better).
  float score = 0;
  Json payload;                                       // null unless requested
  std::map<std::string, std::vector<float>> vectors;  // empty unless requested
  std::map<std::string, MultiVector> multi_vectors;   // empty unless requested
  std::optional<std::string> text;                    // unset unless requested
};

struct SearchRequest {
  std::string field = kDefaultVectorName;  // which vector field (dense or multi-vector)
  std::vector<float> vector;               // the query; its dimension must match the field
  // For a multi-vector field (schema.multi_vectors), instead of `vector`: the query matrix,
  // scored against each record's by MaxSim. Exact (every live row is scored).
  MultiVector multi_vector;
  // Instead of `vector`: text embedded with the field's embedding function (as a query, with the
  // model's query prompt where it has one). Only for fields that have an embedder.
  std::optional<std::string> query_text;
  // Instead of `vector`: an encoded image embedded by the field's embedder, which must embed
  // images (CLIP). Text through the text tower and images through the image tower land in the
  // same space, so either finds images.
  std::optional<std::string> query_image;
  size_t k = 10;
  std::optional<Filter> filter;
  size_t offset = 0;  // skip this many best hits (paging)
  bool with_payload = true;
  bool with_vectors = false;
  bool with_text = false;
  std::optional<float> score_threshold;  // drop hits worse than this
  bool exact = false;                    // force a FLAT scan even when an index exists
  uint32_t ef = 0;                       // HNSW beam width; 0 = index default
  uint32_t nprobe = 0;                   // IVF lists probed; 0 = index default
  // Set: the nearest mmr->candidates are re-ranked for diversity (explore.h) and the best k
  // (after offset) of that order returned, with their search scores.
  std::optional<MmrParams> mmr;
};

// Full-text (BM25) search over the collection's text field.
//   query: words (OR by default) and "double-quoted phrases" (always required).
struct TextSearchRequest {
  std::string query;
  bool all_terms = false;  // AND: every word must occur
  bool phrase = false;     // the whole query is one phrase (quotes in it are ignored)
  size_t k = 10;
  std::optional<Filter> filter;
  size_t offset = 0;
  bool with_payload = true;
  bool with_vectors = false;
  bool with_text = false;
};

// Exact dot-product top-k over a sparse vector field.
struct SparseSearchRequest {
  std::string field;    // a name from schema.sparse_vectors
  SparseVector vector;  // indices need not be sorted; no repeats
  // Instead of `vector`: text embedded by the field's embedder (schema: SparseVectorField::
  // embedder). Only for fields that have one.
  std::optional<std::string> query_text;
  size_t k = 10;
  std::optional<Filter> filter;
  size_t offset = 0;
  bool with_payload = true;
  bool with_vectors = false;
  bool with_text = false;
};

// One sub-query of a hybrid query: exactly one of the three is set. Its k is the sub-query's own
// limit (how many candidates it contributes), its filter applies to it alone.
struct HybridSubQuery {
  std::optional<SearchRequest> dense;
  std::optional<SparseSearchRequest> sparse;
  std::optional<TextSearchRequest> text;
};

enum class FusionMethod {
  kRrf,       // sum of weight / (rrf_k + rank), rank from 1
  kWeighted,  // sum of weight * normalized score
};
enum class ScoreNormalization {
  kMinMax,  // (s - min) / (max - min)
  kDbsf,    // (s - (mean - 3 sigma)) / (6 sigma)
};

// Several sub-queries fused into one ranking, optionally grouped by a payload field, then paged.
struct HybridQuery {
  std::vector<HybridSubQuery> queries;
  FusionMethod fusion = FusionMethod::kRrf;
  double rrf_k = 60;
  ScoreNormalization normalization = ScoreNormalization::kMinMax;
  std::vector<float> weights;    // one per sub-query; empty = all 1
  std::optional<Filter> filter;  // applies to every sub-query (AND with its own)
  size_t limit = 10;             // points, or groups with group_by
  size_t offset = 0;
  std::optional<std::string> group_by;  // payload path; points without it are left out
  size_t group_size = 1;                // best points kept per group
  bool with_payload = true;
  bool with_vectors = false;
  bool with_text = false;
};

struct PointGroup {
  Json key;                       // the group_by value
  std::vector<ScoredPoint> hits;  // best first
};

struct QueryResult {
  std::vector<ScoredPoint> points;  // fused, best first (with group_by: the groups' hits in order)
  std::vector<PointGroup> groups;   // only with group_by
};

struct ScrollRequest {
  std::optional<Filter> filter;
  std::optional<PointId> offset;  // first id of the page (inclusive); unset = from the start
  size_t limit = 10;
  bool with_payload = true;
  bool with_vectors = false;
  // Set: records in the order of a numeric payload value instead of ids (explore.h). A record
  // appears once per value it has (arrays), records without a number are left out, equal values
  // go in id order, `offset` must be unset, and there is no next_offset: page with
  // order_by->start_from instead.
  std::optional<OrderBy> order_by;
};

struct ScrollPage {
  std::vector<Record> records;         // in id order (or order_by's order)
  std::optional<PointId> next_offset;  // unset when this is the last page
  std::vector<Json> order_values;      // with order_by: the value each record was placed by
};

struct SegmentInfo {
  uint64_t id = 0;
  uint64_t rows = 0;     // rows stored, deleted ones included
  uint64_t deleted = 0;  // rows hidden by tombstones
  uint64_t bytes = 0;    // size of its files
  bool sealed = false;
  std::vector<std::string> indexes;  // e.g. "hnsw" per vector field that has one
};

struct CollectionInfo {
  std::string name;
  CollectionSchema schema;
  uint64_t points = 0;  // live records
  uint64_t wal_bytes = 0;
  std::vector<SegmentInfo> segments;
  // Sealed segments whose vector indexes do not match the schema yet (UpdateVectorIndex rebuilds
  // them in the background); 0 when every index is current.
  uint64_t segments_pending_rebuild = 0;
  Json ToJson() const;
};

class Collection {
 public:
  virtual ~Collection() = default;

  virtual const std::string& name() const = 0;
  virtual CollectionSchema schema() const = 0;
  virtual Result<CollectionInfo> Describe() const = 0;

  // Inserts or replaces records by id. All or nothing: every record is validated (dimension,
  // finite components, limits) before anything is written; returns OK once the batch is durable.
  virtual Status Upsert(std::span<const Record> records) = 0;
  // The checks Upsert makes, without writing: lets a caller reject a whole input before any of
  // it is stored.
  virtual Status Validate(std::span<const Record> records) const = 0;
  // The record, or NotFound.
  virtual Result<Record> Get(const PointId& id, bool with_vectors = true) const = 0;
  virtual Result<std::vector<Record>> GetMany(std::span<const PointId> ids,
                                              bool with_vectors = true) const = 0;
  // Returns how many of the ids existed (and are now deleted). Durable on return.
  virtual Result<size_t> Delete(std::span<const PointId> ids) = 0;
  virtual Result<size_t> DeleteByFilter(const Filter& filter) = 0;
  // Replaces (merge = false) or merges into (merge = true) the payload of the given records.
  virtual Result<size_t> SetPayload(std::span<const PointId> ids, const Json& payload,
                                    bool merge) = 0;
  virtual Result<size_t> Count(const Filter* filter = nullptr) const = 0;
  virtual Result<ScrollPage> Scroll(const ScrollRequest& request) const = 0;

  // Top-k by the field's metric, best first.
  virtual Result<std::vector<ScoredPoint>> Search(const SearchRequest& request) const = 0;
  // Many searches, spread over `threads` threads (0 = one per core).
  virtual Result<std::vector<std::vector<ScoredPoint>>> SearchBatch(
      std::span<const SearchRequest> requests, size_t threads = 0) const = 0;

  // BM25 top-k over the text field, best first; scores use collection-wide statistics, so they do
  // not depend on how rows are split into segments. InvalidArgument when there is no text field.
  virtual Result<std::vector<ScoredPoint>> SearchText(const TextSearchRequest& request) const = 0;
  virtual Result<std::vector<std::vector<ScoredPoint>>> SearchTextBatch(
      std::span<const TextSearchRequest> requests, size_t threads = 0) const = 0;
  // Dot-product top-k over a sparse vector field, best first.
  virtual Result<std::vector<ScoredPoint>> SearchSparse(
      const SparseSearchRequest& request) const = 0;
  // Hybrid: runs every sub-query on one snapshot, fuses, groups, pages (docs/text-search.md).
  virtual Result<QueryResult> Query(const HybridQuery& query) const = 0;

  // Exploration (explore.h). The default implementations answer Unimplemented (cluster mode).
  // Recommendation by examples, best first. NotFound when an example point does not exist,
  // InvalidArgument when it has no vector in the field or the examples do not fit the strategy.
  virtual Result<std::vector<ScoredPoint>> Recommend(const RecommendRequest& request) const;
  // Discovery (with a target) or context search (without), best first.
  virtual Result<std::vector<ScoredPoint>> Discover(const DiscoverRequest& request) const;
  // The most frequent values of a payload key, by count (then value) descending.
  virtual Result<std::vector<FacetHit>> Facet(const FacetRequest& request) const;
  // Random points matching the filter, without repeats.
  virtual Result<std::vector<Record>> Sample(const SampleRequest& request) const;
  // Nearest neighbours within a random sample.
  virtual Result<DistanceMatrix> SearchMatrix(const DistanceMatrixRequest& request) const;

  // Replaces the given vectors of existing records, keeping their other vectors, payload and
  // text: each record names an id and the vectors to set. All or nothing: NotFound (naming the
  // id) when a record does not exist, the checks of Upsert for the vectors. Durable on return.
  virtual Status UpdateVectors(std::span<const Record> records);
  // Removes the named vector fields from the given records (which stay, without them). Returns
  // how many of the ids existed. InvalidArgument for a name that is not a vector field.
  virtual Result<size_t> DeleteVectors(std::span<const PointId> ids,
                                       std::span<const std::string> fields);

  // Declares an indexed payload field (kept in the schema, built for existing data).
  virtual Status CreatePayloadIndex(const PayloadIndexField& field) = 0;
  // Forgets an indexed payload field: filters on it scan payloads from then on. NotFound when
  // there is no such index. Segment files keep the index bytes until they are next rewritten.
  virtual Status DropPayloadIndex(const std::string& path);
  // Changes the index parameters of a vector field (type, HNSW m / ef_construction, IVF lists,
  // quantization). Returns once the new schema is durable; each sealed segment's index is then
  // rebuilt in the background, and until a segment's new index replaces the old one (atomically,
  // segment by segment), searches keep using the old. Describe() counts the segments still
  // pending; the rebuild resumes after a restart.
  virtual Status UpdateVectorIndex(const std::string& field, const IndexParams& params);
  // Seals the growing segment, merges segments (dropping deleted rows) and builds indexes.
  virtual Status Optimize() = 0;
  // The same, calling `progress` from the optimizing thread as the work advances: `stage`
  // names it ("seal: documents", "merge: hnsw index") and `done` of `total` counts its rows.
  // Stages start from 0; index builds report at their start and end only. Implementations
  // that cannot observe their stages (a cluster's remote shards) run Optimize() without it.
  using OptimizeProgress =
      std::function<void(std::string_view stage, uint64_t done, uint64_t total)>;
  virtual Status Optimize(const OptimizeProgress& progress) {
    (void)progress;
    return Optimize();
  }
  // Bulk load of vectors for the named field with ids first_id, first_id + 1, ...: same
  // durability as Upsert, without a payload or text.
  virtual Status ImportVectors(const std::string& field, const float* data, size_t rows,
                               uint64_t first_id) = 0;
};

// One change of Database::UpdateAliases.
struct AliasChange {
  enum class Kind { kCreate, kDelete, kRename };
  Kind kind = Kind::kCreate;
  std::string alias;       // kCreate / kDelete: the alias; kRename: its current name
  std::string collection;  // kCreate: the collection it names
  std::string new_alias;   // kRename: the new name

  static AliasChange Create(std::string alias, std::string collection) {
    return {Kind::kCreate, std::move(alias), std::move(collection), {}};
  }
  static AliasChange Delete(std::string alias) { return {Kind::kDelete, std::move(alias), {}, {}}; }
  static AliasChange Rename(std::string from, std::string to) {
    return {Kind::kRename, std::move(from), {}, std::move(to)};
  }
};

struct AliasInfo {
  std::string alias;
  std::string collection;
  friend bool operator==(const AliasInfo&, const AliasInfo&) = default;
};

// What `Database::Check` found: one line per problem, each naming the damaged file.
struct CheckReport {
  std::vector<std::string> problems;
  size_t files_checked = 0;
  bool ok() const { return problems.empty(); }
};

class Database {
 public:
  // Opens (and with create_if_missing, creates) the database at `path`, recovering each
  // collection from its manifest and write-ahead log. A torn WAL tail is dropped and reported in
  // RecoveryNotes(); any other damage fails with Corruption naming the file.
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                DatabaseOptions options = {});
  // Verifies every checksum and structure of the database at `path` without opening it for
  // writing. Fails only when the folder cannot be read; damage goes into the report.
  static Result<CheckReport> Check(const std::string& path);

  virtual ~Database() = default;

  virtual Result<std::shared_ptr<Collection>> CreateCollection(const std::string& name,
                                                               const CollectionSchema& schema) = 0;
  // The collection called `name`, or the one the alias `name` points at.
  virtual Result<std::shared_ptr<Collection>> GetCollection(const std::string& name) const = 0;
  virtual std::vector<std::string> ListCollections() const = 0;
  // Removes the collection (by its own name, not an alias), its aliases and its files. Holders of
  // its shared_ptr get FailedPrecondition from then on.
  virtual Status DropCollection(const std::string& name) = 0;

  // Aliases: other names for collections, accepted wherever a collection is looked up
  // (GetCollection). Applies the changes in order, all or nothing, and returns once the new set
  // is durable; a concurrent GetCollection sees either the old set or the new one, so switching
  // an alias to another collection (delete + create in one call) never leaves it missing. Alias
  // and collection names share one namespace. Errors: see AliasChange validation in
  // src/db/aliases.h; Unimplemented where aliases are not supported (cluster mode).
  virtual Status UpdateAliases(std::span<const AliasChange> changes);
  // Every alias, sorted by alias name.
  virtual std::vector<AliasInfo> ListAliases() const { return {}; }

  // What recovery dropped on open (torn WAL tails), one line each; empty when nothing.
  virtual std::vector<std::string> RecoveryNotes() const = 0;
  virtual const std::string& path() const = 0;
};

// Collection names: 1..255 characters of [A-Za-z0-9_.-], not starting with '.'.
Status ValidateCollectionName(const std::string& name);

}  // namespace ragdb
