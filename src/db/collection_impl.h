// CollectionImpl: one collection's folder — manifest, WAL, segments — and the in-memory state
// rebuilt from them. Writes go through a group-commit queue: the first waiting writer becomes the
// leader, appends every queued batch to the WAL with one fsync, applies them in log order, and
// wakes the others (as LevelDB does), so concurrent writers share fsyncs without reordering.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "db/segment.h"
#include "db/topk.h"
#include "ragdb/database.h"
#include "ragdb/model.h"
#include "storage/manifest.h"
#include "storage/wal.h"
#include "text/bm25.h"
#include "text/query.h"

namespace ragdb::db {

// {field name: the schema's "index" object}: the index parameters a segment's manifest entry
// records (storage::ManifestSegment::index_params).
Json IndexParamsOf(const CollectionSchema& schema);

// A validated vector query: its field, and its vector normalized when the metric is cosine.
struct PreparedQuery {
  const VectorField* field = nullptr;
  size_t field_index = 0;
  std::vector<float> vector;
  float norm_sq = 0;
};

class CollectionImpl final : public Collection {
 public:
  // Creates a new collection folder (fails if it exists).
  static Result<std::shared_ptr<CollectionImpl>> Create(const std::string& dir,
                                                        const std::string& name,
                                                        const CollectionSchema& schema,
                                                        const DatabaseOptions& options);
  // Opens an existing folder: manifest, segments, tombstones, then WAL replay.
  static Result<std::shared_ptr<CollectionImpl>> Open(const std::string& dir,
                                                      const std::string& name,
                                                      const DatabaseOptions& options,
                                                      std::vector<std::string>* notes);
  ~CollectionImpl() override;

  const std::string& name() const override { return name_; }
  CollectionSchema schema() const override;
  Result<CollectionInfo> Describe() const override;

  Status Upsert(std::span<const Record> records) override;
  Status Validate(std::span<const Record> records) const override {
    return Prepare(records).status();
  }
  Result<Record> Get(const PointId& id, bool with_vectors) const override;
  Result<std::vector<Record>> GetMany(std::span<const PointId> ids,
                                      bool with_vectors) const override;
  Result<size_t> Delete(std::span<const PointId> ids) override;
  Result<size_t> DeleteByFilter(const Filter& filter) override;
  Result<size_t> SetPayload(std::span<const PointId> ids, const Json& payload, bool merge) override;
  Result<size_t> Count(const Filter* filter) const override;
  Result<ScrollPage> Scroll(const ScrollRequest& request) const override;
  Result<std::vector<ScoredPoint>> Search(const SearchRequest& request) const override;
  Result<std::vector<std::vector<ScoredPoint>>> SearchBatch(std::span<const SearchRequest> requests,
                                                            size_t threads) const override;
  Result<std::vector<ScoredPoint>> SearchText(const TextSearchRequest& request) const override;
  Result<std::vector<std::vector<ScoredPoint>>> SearchTextBatch(
      std::span<const TextSearchRequest> requests, size_t threads) const override;
  Result<std::vector<ScoredPoint>> SearchSparse(const SparseSearchRequest& request) const override;
  Result<QueryResult> Query(const HybridQuery& query) const override;
  Status CreatePayloadIndex(const PayloadIndexField& field) override;
  Status DropPayloadIndex(const std::string& path) override;
  Status UpdateVectorIndex(const std::string& field, const IndexParams& params) override;
  Status Optimize() override;
  Status Optimize(const OptimizeProgress& progress) override;
  // Exploration (src/db/explore/).
  Result<std::vector<ScoredPoint>> Recommend(const RecommendRequest& request) const override;
  Result<std::vector<ScoredPoint>> Discover(const DiscoverRequest& request) const override;
  Result<std::vector<FacetHit>> Facet(const FacetRequest& request) const override;
  Result<std::vector<Record>> Sample(const SampleRequest& request) const override;
  Result<DistanceMatrix> SearchMatrix(const DistanceMatrixRequest& request) const override;
  Status ImportVectors(const std::string& field, const float* data, size_t rows,
                       uint64_t first_id) override;

  // Marks the collection dropped: every later call fails. The caller removes the folder. Waits
  // for a background index rebuild to stop (at most the segment it is building).
  void MarkDropped();

  // Hooks of db/replication.h (the cluster layer's access to the write path).
  Result<std::vector<Record>> PrepareForCopies(std::span<const Record> records) const {
    return Prepare(records);
  }
  Status UpsertPrepared(std::vector<Record> records);
  Result<std::vector<std::string>> CheckpointAndListFiles();
  Result<text::CollectionStats> TextStats(const TextSearchRequest& request) const;
  Result<std::vector<ScoredPoint>> SearchTextWithStats(const TextSearchRequest& request,
                                                       const text::CollectionStats& stats) const;
  const std::string& dir() const { return dir_; }

 private:
  struct Location {
    Segment* segment;
    uint32_t row;
  };
  struct PendingWrite {
    storage::WalRecordType type;
    std::string payload;
    std::function<void()> apply;  // runs under the exclusive data lock, in log order
    Status status;
    bool done = false;
    std::condition_variable cv;
  };

  CollectionImpl(std::string dir, std::string name, CollectionSchema schema,
                 DatabaseOptions options);

  Status CheckAlive() const;
  // Validates and normalizes records for storage (cosine vectors scaled to unit length).
  Result<std::vector<Record>> Prepare(std::span<const Record> records) const;
  Status Commit(PendingWrite* w);
  // Runs fn under the exclusive data lock as the write leader, so no batch interleaves with it.
  Status RunAsWriteLeader(const std::function<Status()>& fn);

  // Under the exclusive data lock:
  void ApplyUpsert(std::vector<Record>& records);
  size_t ApplyDelete(const std::vector<PointId>& ids);
  Status ApplyWalRecord(storage::WalRecordType type, std::string_view payload);
  Status CheckReplayed(const std::vector<Record>& records) const;
  Status MaybeSeal();
  // FailedPrecondition when the database was opened read-only (DatabaseOptions::read_only).
  Status CheckWritable() const;
  // Frugal mode (DatabaseOptions::memory_limit_bytes > 0).
  bool frugal() const { return options_.memory_limit_bytes > 0; }
  // Frugal mode, called after each search: when the process's resident set is past seven
  // eighths of the limit, hands segment pages back to the page cache (the pages read row by row
  // first, everything if that is not enough). Under data_mu_ (shared).
  void KeepUnderMemoryLimit() const;
  // Seals the growing segment (if it has rows) and checkpoints: new segment file, fresh WAL,
  // tombstone files, manifest. With `merge`, also rewrites all segments into one.
  Status Checkpoint(bool merge, const OptimizeProgress& progress = nullptr);
  Status WriteCurrentManifest(const std::string& wal_file);
  std::string NewFileName(const std::string& prefix, const std::string& suffix);
  void RebuildLocations();

  // Validates the request's query into *q, reusing q's storage (a PreparedQuery kept per thread
  // makes this allocation-free).
  Status PrepareQuery(const SearchRequest& request, PreparedQuery* q) const;
  // The query vector part of PrepareQuery, for a field already resolved in `q`: writes the
  // validated vector (embedded from text when asked, normalized for cosine) to out[0..dim) and
  // its squared norm to *norm_sq.
  Status FillQueryVector(const SearchRequest& request, const PreparedQuery& q, float* out,
                         float* norm_sq) const;
  // The rows of `s` a search over vector field `field` may return: its searchable rows (live,
  // with a vector), narrowed by `filter` when there is one (evaluated into *filtered). Null rows
  // mean every row; a zero count means the segment can be skipped.
  Segment::Searchable SearchScope(const Segment& s, size_t field, const Filter* filter,
                                  Bitset* filtered) const;
  // Turns the best candidates into hits: offset, threshold, payload and vectors as requested.
  Result<std::vector<ScoredPoint>> Materialize(const SearchRequest& request, const PreparedQuery& q,
                                               std::span<const Candidate> best, bool gemm_l2) const;
  Result<std::vector<ScoredPoint>> SearchLocked(const SearchRequest& request) const;
  // Exact batches that share field, k and filter go through one blocked matrix product.
  bool CanBatchTogether(std::span<const SearchRequest> requests) const;
  Result<std::vector<std::vector<ScoredPoint>>> SearchBatchTogether(
      std::span<const SearchRequest> requests, size_t threads) const;
  Bitset AllowedRows(const Segment& s, const Filter* filter) const;
  // The rows of `s` that `filter` matches, deleted rows included (cached for sealed segments).
  FilterCache::Match FilterMatch(const Segment& s, const Filter& filter) const;
  // Text and sparse search under the shared data lock (collection_text.cc).
  // `global`: BM25 statistics to score with instead of the collection's own (replication.h).
  Result<std::vector<ScoredPoint>> SearchTextLocked(
      const TextSearchRequest& request, const text::CollectionStats* global = nullptr) const;
  // The parsed query of a text request; empty when it has no terms.
  Result<text::TextQuery> ParseTextRequest(const TextSearchRequest& request) const;
  Result<std::vector<ScoredPoint>> SearchSparseLocked(const SparseSearchRequest& request) const;
  // Multi-vector search (collection_multi.cc): exact MaxSim over the field's rows.
  Result<std::vector<ScoredPoint>> SearchMultiLocked(const SearchRequest& request,
                                                     const MultiVectorField& field) const;
  // The request's query matrix, validated, normalized for cosine, its vectors one after the
  // other.
  Result<std::vector<float>> MultiQuery(const SearchRequest& request,
                                        const MultiVectorField& field) const;
  // Turns a hit (segment, row) into a ScoredPoint with what the request asked for.
  Status FillPoint(const Segment& s, uint32_t row, bool with_payload, bool with_vectors,
                   bool with_text, ScoredPoint* out) const;

  // Exploration helpers, under the shared data lock (src/db/explore/).
  // The vector field `name` (InvalidArgument when there is none), without a query vector.
  Result<PreparedQuery> ExampleField(const std::string& name) const;
  // The vector an example stands for, validated like a query vector (normalized for cosine).
  Result<std::vector<float>> ExampleVector(const VectorExample& example,
                                           const PreparedQuery& field) const;
  // Exact top-k of the rows of `field` passing `filter` by score(sims), where sims[i] is the
  // similarity (explore.h) of the row to examples[i]; best first, ties in id order.
  struct ScoreScan {
    const PreparedQuery* field = nullptr;
    std::vector<std::vector<float>> examples;
    std::function<float(std::span<const float>)> score;
    const Filter* filter = nullptr;
    // Stored points used as examples: never results. Checked only for rows good enough to enter
    // the top list, which is far cheaper than a has_id filter over every row.
    std::vector<PointId> exclude;
    size_t k = 10;
    size_t offset = 0;
    std::optional<float> score_threshold;
    bool with_payload = false;
    bool with_vectors = false;
  };
  Result<std::vector<ScoredPoint>> ScanByScore(const ScoreScan& scan) const;
  // Search, then re-ranking by maximal marginal relevance (request.mmr set).
  Result<std::vector<ScoredPoint>> SearchWithMmr(const SearchRequest& request) const;
  // Scroll in the order of a payload value (request.order_by set).
  Result<ScrollPage> ScrollOrdered(const ScrollRequest& request) const;

  // Background index rebuild (index_rebuild.cc): sealed segments whose manifest entry records
  // other index parameters than the schema's are rewritten with new indexes, one at a time, by
  // one thread per collection, and swapped in under the write lock.
  bool NeedsRebuild(const storage::ManifestSegment& entry) const;
  size_t SegmentsPendingRebuild() const;
  void StartRebuild();
  void RebuildLoop();
  // Rebuilds the first pending segment; false when none is pending (or the collection is gone).
  Result<bool> RebuildOne();
  void StopRebuild();
  std::mutex rebuild_mu_;
  std::thread rebuild_thread_;
  bool rebuild_running_ = false;  // guarded by rebuild_mu_
  bool rebuild_again_ = false;    // guarded by rebuild_mu_: look for pending segments once more
  std::atomic<bool> rebuild_stop_{false};

  const std::string dir_;
  const std::string name_;
  const DatabaseOptions options_;

  // Queue of writers waiting for the group commit.
  std::mutex queue_mu_;
  std::deque<PendingWrite*> queue_;

  // The data: schema, segments, id map. Shared for reads, exclusive for applying writes.
  mutable std::shared_mutex data_mu_;
  CollectionSchema schema_;
  storage::Manifest manifest_;
  std::vector<std::unique_ptr<SealedSegment>> sealed_;
  std::unique_ptr<GrowingSegment> growing_;
  std::map<PointId, Location> locations_;  // live ids; ordered, for scroll
  std::unique_ptr<storage::WalWriter> wal_;
  uint64_t last_seq_ = 0;
  bool dropped_ = false;

  // Embedding functions of vector fields (schema VectorField::embedder), loaded on first use.
  // Returns null when the field has none.
  Result<const Embedder*> FieldEmbedder(size_t field_index) const;
  // Fills in vectors of fields with an embedder for records that have text or an image but no
  // such vector, then drops the images (they are input only). An image no field can embed is
  // an error.
  Status EmbedMissingVectors(const CollectionSchema& schema, std::vector<Record>* records) const;
  // The query vector of a request that gives query_text or query_image instead of a vector.
  Result<std::vector<float>> EmbedQuery(const SearchRequest& request, size_t field_index) const;
  // The same for sparse vector fields (SparseVectorField::embedder, SPLADE).
  Result<const SparseEmbedder*> FieldSparseEmbedder(size_t field_index) const;
  // Sparse fields with an embedder: fills them for records with text and no such vector.
  Status EmbedMissingSparse(const CollectionSchema& schema, std::vector<Record>* records) const;
  mutable std::mutex embedders_mu_;
  mutable std::map<size_t, std::unique_ptr<Embedder>> embedders_;
  mutable std::map<size_t, std::unique_ptr<SparseEmbedder>> sparse_embedders_;
  // The embedder of multi-vector field i (schema.multi_vectors), loaded on first use; under
  // embedders_mu_.
  Result<const MultiVectorEmbedder*> FieldMultiEmbedder(size_t field_index) const;
  Status EmbedMissingMulti(const CollectionSchema& schema, std::vector<Record>* records) const;
  mutable std::map<size_t, std::unique_ptr<MultiVectorEmbedder>> multi_embedders_;
};

}  // namespace ragdb::db
