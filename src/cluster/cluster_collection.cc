// The cluster as ragdb::Database / ragdb::Collection: every call is split by shard (writes, by
// the hash of each id) or scattered to all shards and gathered (reads), so the server's endpoints
// work unchanged in cluster mode. Results equal a single node's on the same data: top-k lists
// are merged by score (ties by id), BM25 uses statistics summed over the shards, hybrid queries
// fuse the merged sub-query lists with the same code (query/fusion.h), count and scroll are
// exact.
#include <algorithm>
#include <mutex>

#include "cluster/node.h"
#include "cluster/placement.h"
#include "cluster/wire.h"
#include "db/replication.h"
#include "query/fusion.h"

namespace ragdb::cluster {
namespace {

bool LowerIsBetter(const CollectionSchema& schema, const std::string& field) {
  const VectorField* f = schema.FindVector(field);
  return f != nullptr && (f->metric == Metric::kL2 || f->metric == Metric::kHamming);
}

// Merges per-shard top lists into one: best first, equal scores by id; then the page.
std::vector<ScoredPoint> MergeTop(std::vector<std::vector<ScoredPoint>> lists, bool lower_better,
                                  size_t offset, size_t k) {
  std::vector<ScoredPoint> all;
  for (auto& l : lists) {
    for (auto& p : l) all.push_back(std::move(p));
  }
  std::stable_sort(all.begin(), all.end(), [&](const ScoredPoint& a, const ScoredPoint& b) {
    if (a.score != b.score) return lower_better ? a.score < b.score : a.score > b.score;
    return a.id < b.id;
  });
  std::vector<ScoredPoint> out;
  for (size_t i = offset; i < all.size() && out.size() < k; ++i) out.push_back(std::move(all[i]));
  return out;
}

class ClusterCollection final : public Collection {
 public:
  ClusterCollection(Node* node, CollectionMeta meta) : node_(node), meta_(std::move(meta)) {}

  const std::string& name() const override { return meta_.name; }
  CollectionSchema schema() const override {
    auto m = node_->GetMeta(meta_.name);
    return m.ok() ? m->schema : meta_.schema;
  }

  Result<CollectionInfo> Describe() const override {
    RAGDB_ASSIGN_OR_RETURN(CollectionMeta meta, node_->GetMeta(meta_.name));
    CollectionInfo info;
    info.name = meta.name;
    info.schema = meta.schema;
    std::mutex mu;
    RAGDB_RETURN_IF_ERROR(node_->ForEachShard(meta, [&](uint32_t s) -> Status {
      RAGDB_ASSIGN_OR_RETURN(Json j, node_->ReadShard(meta, s, "describe", Json::object()));
      std::lock_guard lock(mu);
      info.points += j.value("points", uint64_t{0});
      info.wal_bytes += j.value("wal_bytes", uint64_t{0});
      for (const auto& seg : j.value("segments", Json::array())) {
        SegmentInfo si;
        si.id = info.segments.size();
        si.rows = seg.value("rows", uint64_t{0});
        si.deleted = seg.value("deleted", uint64_t{0});
        si.bytes = seg.value("bytes", uint64_t{0});
        si.sealed = seg.value("sealed", false);
        si.indexes = seg.value("indexes", std::vector<std::string>{});
        info.segments.push_back(std::move(si));
      }
      return Status::Ok();
    }));
    return info;
  }

  Status Validate(std::span<const Record> records) const override {
    RAGDB_ASSIGN_OR_RETURN(auto validator, node_->Validator(meta_));
    return validator->Validate(records);
  }

  Status Upsert(std::span<const Record> records) override {
    if (records.empty()) return Status::Ok();
    // Prepared once here (validated, embedded, normalized): all or nothing before any shard is
    // written, and every copy stores the very same bits.
    RAGDB_ASSIGN_OR_RETURN(auto validator, node_->Validator(meta_));
    RAGDB_ASSIGN_OR_RETURN(std::vector<Record> prepared, db::PrepareRecords(*validator, records));
    std::vector<std::vector<Record>> parts(meta_.shards);
    for (auto& r : prepared) parts[ShardOf(r.id, meta_.shards)].push_back(std::move(r));
    return node_->ForEachShard(meta_, [&](uint32_t s) -> Status {
      if (parts[s].empty()) return Status::Ok();
      LogOp op;
      op.kind = LogOp::Kind::kUpsert;
      op.records = std::move(parts[s]);
      return node_->WriteShard(meta_, s, {std::move(op)}).status();
    });
  }

  Result<Record> Get(const PointId& id, bool with_vectors) const override {
    RAGDB_ASSIGN_OR_RETURN(auto records, GetMany(std::span<const PointId>(&id, 1), with_vectors));
    if (records.empty()) return Status::NotFound("point " + id.ToString() + " not found");
    return std::move(records[0]);
  }

  Result<std::vector<Record>> GetMany(std::span<const PointId> ids,
                                      bool with_vectors) const override {
    std::vector<Json> parts(meta_.shards, Json::array());
    for (const auto& id : ids) parts[ShardOf(id, meta_.shards)].push_back(id.ToJson());
    std::vector<std::vector<Record>> found(meta_.shards);
    RAGDB_RETURN_IF_ERROR(node_->ForEachShard(meta_, [&](uint32_t s) -> Status {
      if (parts[s].empty()) return Status::Ok();
      RAGDB_ASSIGN_OR_RETURN(
          Json j, node_->ReadShard(meta_, s, "get",
                                   Json{{"ids", parts[s]}, {"with_vectors", with_vectors}}));
      for (const auto& r : j) {
        RAGDB_ASSIGN_OR_RETURN(Record rec, RecordFromJson(r));
        found[s].push_back(std::move(rec));
      }
      return Status::Ok();
    }));
    // In the order asked for, as a single node returns them.
    std::map<PointId, Record> by_id;
    for (auto& list : found) {
      for (auto& r : list) by_id.emplace(r.id, std::move(r));
    }
    std::vector<Record> out;
    for (const auto& id : ids) {
      auto it = by_id.find(id);
      if (it != by_id.end()) out.push_back(it->second);
    }
    return out;
  }

  Result<size_t> Delete(std::span<const PointId> ids) override {
    std::vector<std::vector<PointId>> parts(meta_.shards);
    for (const auto& id : ids) parts[ShardOf(id, meta_.shards)].push_back(id);
    return WriteEach([&](uint32_t s, LogOp* op) {
      op->kind = LogOp::Kind::kDelete;
      op->ids = parts[s];
      return !parts[s].empty();
    });
  }

  Result<size_t> DeleteByFilter(const Filter& filter) override {
    return WriteEach([&](uint32_t, LogOp* op) {
      op->kind = LogOp::Kind::kDeleteFilter;
      op->json = filter.ToJson();
      return true;
    });
  }

  Result<size_t> SetPayload(std::span<const PointId> ids, const Json& payload,
                            bool merge) override {
    if (!payload.is_object()) return Status::InvalidArgument("payload must be a JSON object");
    std::vector<std::vector<PointId>> parts(meta_.shards);
    for (const auto& id : ids) parts[ShardOf(id, meta_.shards)].push_back(id);
    return WriteEach([&](uint32_t s, LogOp* op) {
      op->kind = LogOp::Kind::kSetPayload;
      op->ids = parts[s];
      op->json = payload;
      op->merge = merge;
      return !parts[s].empty();
    });
  }

  Result<size_t> Count(const Filter* filter) const override {
    std::atomic<size_t> total{0};
    Json args = {{"filter", filter ? filter->ToJson() : Json()}};
    RAGDB_RETURN_IF_ERROR(node_->ForEachShard(meta_, [&](uint32_t s) -> Status {
      RAGDB_ASSIGN_OR_RETURN(Json j, node_->ReadShard(meta_, s, "count", args));
      total += j.value("count", size_t{0});
      return Status::Ok();
    }));
    return total.load();
  }

  Result<ScrollPage> Scroll(const ScrollRequest& request) const override {
    std::vector<ScrollPage> pages(meta_.shards);
    Json args = {{"request", ToJson(request)}};
    RAGDB_RETURN_IF_ERROR(node_->ForEachShard(meta_, [&](uint32_t s) -> Status {
      RAGDB_ASSIGN_OR_RETURN(Json j, node_->ReadShard(meta_, s, "scroll", args));
      RAGDB_ASSIGN_OR_RETURN(pages[s], ScrollPageFromJson(j));
      return Status::Ok();
    }));
    // Each shard returned its first `limit` matches from the offset, so the first `limit` of
    // the union are the collection's; the next page starts at the smallest id left over.
    std::vector<Record> all;
    std::optional<PointId> next;
    auto consider = [&](const PointId& id) {
      if (!next || id < *next) next = id;
    };
    for (auto& p : pages) {
      for (auto& r : p.records) all.push_back(std::move(r));
      if (p.next_offset) consider(*p.next_offset);
    }
    std::sort(all.begin(), all.end(), [](const Record& a, const Record& b) { return a.id < b.id; });
    ScrollPage out;
    for (size_t i = 0; i < all.size(); ++i) {
      if (i < request.limit) {
        if (!request.with_payload) all[i].payload = Json();
        out.records.push_back(std::move(all[i]));
      } else {
        consider(all[i].id);
      }
    }
    out.next_offset = next;
    return out;
  }

  Result<std::vector<ScoredPoint>> Search(const SearchRequest& request) const override {
    if (request.k == 0) return std::vector<ScoredPoint>{};
    SearchRequest per_shard = request;
    per_shard.k = request.k + request.offset;
    per_shard.offset = 0;
    Json args = {{"request", ToJson(per_shard)}};
    std::vector<std::vector<ScoredPoint>> lists(meta_.shards);
    RAGDB_RETURN_IF_ERROR(node_->ForEachShard(meta_, [&](uint32_t s) -> Status {
      RAGDB_ASSIGN_OR_RETURN(Json j, node_->ReadShard(meta_, s, "search", args));
      RAGDB_ASSIGN_OR_RETURN(lists[s], PointsFromJson(j));
      return Status::Ok();
    }));
    return MergeTop(std::move(lists), LowerIsBetter(meta_.schema, request.field), request.offset,
                    request.k);
  }

  Result<std::vector<std::vector<ScoredPoint>>> SearchBatch(std::span<const SearchRequest> requests,
                                                            size_t threads) const override {
    std::vector<std::vector<ScoredPoint>> out;
    for (size_t i = 0; i < requests.size(); ++i) {
      auto r = Search(requests[i]);
      if (!r.ok()) return r.status().WithContext("query " + std::to_string(i));
      out.push_back(std::move(r).value());
    }
    return out;
  }

  Result<std::vector<ScoredPoint>> SearchText(const TextSearchRequest& request) const override {
    if (!meta_.schema.text) {
      return Status::InvalidArgument("collection '" + meta_.name +
                                     "' has no text field (create it with --text)");
    }
    if (request.k == 0) return std::vector<ScoredPoint>{};
    TextSearchRequest per_shard = request;
    per_shard.k = request.k + request.offset;
    per_shard.offset = 0;
    Json req = ToJson(per_shard);
    // Phase 1: the shards' statistics for the query's terms, summed; phase 2: every shard scores
    // with the sums, as one collection would.
    std::vector<text::CollectionStats> parts(meta_.shards);
    RAGDB_RETURN_IF_ERROR(node_->ForEachShard(meta_, [&](uint32_t s) -> Status {
      RAGDB_ASSIGN_OR_RETURN(Json j, node_->ReadShard(meta_, s, "text_stats", {{"request", req}}));
      RAGDB_ASSIGN_OR_RETURN(parts[s], StatsFromJson(j));
      return Status::Ok();
    }));
    text::CollectionStats sum;
    for (const auto& p : parts) {
      sum.doc_count += p.doc_count;
      sum.total_tokens += p.total_tokens;
      for (const auto& [t, n] : p.doc_freq) sum.doc_freq[t] += n;
    }
    Json args = {{"request", req}, {"stats", ToJson(sum)}};
    std::vector<std::vector<ScoredPoint>> lists(meta_.shards);
    RAGDB_RETURN_IF_ERROR(node_->ForEachShard(meta_, [&](uint32_t s) -> Status {
      RAGDB_ASSIGN_OR_RETURN(Json j, node_->ReadShard(meta_, s, "search_text", args));
      RAGDB_ASSIGN_OR_RETURN(lists[s], PointsFromJson(j));
      return Status::Ok();
    }));
    return MergeTop(std::move(lists), false, request.offset, request.k);
  }

  Result<std::vector<std::vector<ScoredPoint>>> SearchTextBatch(
      std::span<const TextSearchRequest> requests, size_t threads) const override {
    std::vector<std::vector<ScoredPoint>> out;
    for (size_t i = 0; i < requests.size(); ++i) {
      auto r = SearchText(requests[i]);
      if (!r.ok()) return r.status().WithContext("query " + std::to_string(i));
      out.push_back(std::move(r).value());
    }
    return out;
  }

  Result<std::vector<ScoredPoint>> SearchSparse(const SparseSearchRequest& request) const override {
    if (request.k == 0) return std::vector<ScoredPoint>{};
    SparseSearchRequest per_shard = request;
    per_shard.k = request.k + request.offset;
    per_shard.offset = 0;
    Json args = {{"request", ToJson(per_shard)}};
    std::vector<std::vector<ScoredPoint>> lists(meta_.shards);
    RAGDB_RETURN_IF_ERROR(node_->ForEachShard(meta_, [&](uint32_t s) -> Status {
      RAGDB_ASSIGN_OR_RETURN(Json j, node_->ReadShard(meta_, s, "search_sparse", args));
      RAGDB_ASSIGN_OR_RETURN(lists[s], PointsFromJson(j));
      return Status::Ok();
    }));
    return MergeTop(std::move(lists), false, request.offset, request.k);
  }

  // As CollectionImpl::Query (collection_text.cc), over the merged sub-query lists.
  Result<QueryResult> Query(const HybridQuery& hq) const override {
    if (hq.queries.empty()) return Status::InvalidArgument("query: no sub-queries");
    if (hq.group_by && hq.group_size == 0) {
      return Status::InvalidArgument("query: group_size must be at least 1");
    }
    const bool payload = hq.with_payload || hq.group_by.has_value();
    std::vector<std::vector<ScoredPoint>> lists;
    for (size_t i = 0; i < hq.queries.size(); ++i) {
      const HybridSubQuery& sub = hq.queries[i];
      const std::string label = "query " + std::to_string(i);
      const int set = sub.dense.has_value() + sub.sparse.has_value() + sub.text.has_value();
      if (set != 1) {
        return Status::InvalidArgument(label + ": set exactly one of dense, sparse and text");
      }
      Result<std::vector<ScoredPoint>> hits = std::vector<ScoredPoint>{};
      bool negate = false;
      if (sub.dense) {
        SearchRequest r = *sub.dense;
        r.filter = query::AndFilters(hq.filter, r.filter);
        r.offset = 0;
        r.with_payload = payload;
        r.with_vectors = hq.with_vectors;
        r.with_text = hq.with_text;
        const VectorField* f = meta_.schema.FindVector(r.field);
        negate = f != nullptr && f->metric == Metric::kL2;
        hits = Search(r);
      } else if (sub.sparse) {
        SparseSearchRequest r = *sub.sparse;
        r.filter = query::AndFilters(hq.filter, r.filter);
        r.offset = 0;
        r.with_payload = payload;
        r.with_vectors = hq.with_vectors;
        r.with_text = hq.with_text;
        hits = SearchSparse(r);
      } else {
        TextSearchRequest r = *sub.text;
        r.filter = query::AndFilters(hq.filter, r.filter);
        r.offset = 0;
        r.with_payload = payload;
        r.with_vectors = hq.with_vectors;
        r.with_text = hq.with_text;
        hits = SearchText(r);
      }
      if (!hits.ok()) return hits.status().WithContext(label);
      if (negate) {
        for (auto& p : *hits) p.score = -p.score;
      }
      lists.push_back(std::move(hits).value());
    }
    Result<std::vector<ScoredPoint>> fused =
        hq.fusion == FusionMethod::kRrf
            ? query::FuseRrf(std::move(lists), hq.rrf_k, hq.weights)
            : query::FuseWeighted(std::move(lists), hq.normalization, hq.weights);
    if (!fused.ok()) return fused.status();
    QueryResult result;
    if (hq.group_by) {
      result.groups = query::GroupBy(*fused, *hq.group_by, hq.group_size, hq.offset + hq.limit);
      result.groups.erase(result.groups.begin(),
                          result.groups.begin() + std::min(hq.offset, result.groups.size()));
      for (auto& g : result.groups) {
        if (!hq.with_payload) {
          for (auto& p : g.hits) p.payload = Json();
        }
        result.points.insert(result.points.end(), g.hits.begin(), g.hits.end());
      }
    } else {
      auto& all = *fused;
      for (size_t i = hq.offset; i < all.size() && result.points.size() < hq.limit; ++i) {
        result.points.push_back(std::move(all[i]));
      }
    }
    return result;
  }

  Status CreatePayloadIndex(const PayloadIndexField& field) override {
    return node_->AddPayloadIndex(meta_.name, field);
  }

  Status Optimize() override {
    return node_->ForEachShard(meta_, [&](uint32_t s) {
      return node_->ReadShard(meta_, s, "optimize", Json::object()).status();
    });
  }

  Status ImportVectors(const std::string& field, const float* data, size_t rows,
                       uint64_t first_id) override {
    const VectorField* f = meta_.schema.FindVector(field);
    if (f == nullptr) return Status::InvalidArgument("unknown vector '" + field + "'");
    constexpr size_t kBatch = 8192;
    std::vector<Record> batch;
    for (size_t start = 0; start < rows; start += kBatch) {
      const size_t end = std::min(rows, start + kBatch);
      batch.assign(end - start, Record{});
      for (size_t i = start; i < end; ++i) {
        Record& r = batch[i - start];
        r.id = PointId(first_id + i);
        r.vectors[field].assign(data + i * f->dim, data + (i + 1) * f->dim);
      }
      RAGDB_RETURN_IF_ERROR(Upsert(batch));
    }
    return Status::Ok();
  }

 private:
  // One forwarded write per shard that `fill` gives an op (parallel); sums what they touched.
  Result<size_t> WriteEach(const std::function<bool(uint32_t, LogOp*)>& fill) {
    std::atomic<size_t> total{0};
    RAGDB_RETURN_IF_ERROR(node_->ForEachShard(meta_, [&](uint32_t s) -> Status {
      LogOp op;
      if (!fill(s, &op)) return Status::Ok();
      RAGDB_ASSIGN_OR_RETURN(uint64_t n, node_->WriteShard(meta_, s, {std::move(op)}));
      total += n;
      return Status::Ok();
    }));
    return total.load();
  }

  Node* node_;
  CollectionMeta meta_;
};

class ClusterDatabase final : public Database {
 public:
  explicit ClusterDatabase(Node* node) : node_(node) {}

  Result<std::shared_ptr<Collection>> CreateCollection(const std::string& name,
                                                       const CollectionSchema& schema) override {
    RAGDB_RETURN_IF_ERROR(node_->CreateCollection(name, schema, 1, 1));
    return GetCollection(name);
  }
  Result<std::shared_ptr<Collection>> GetCollection(const std::string& name) const override {
    RAGDB_ASSIGN_OR_RETURN(CollectionMeta meta, node_->GetMeta(name));
    return std::shared_ptr<Collection>(std::make_shared<ClusterCollection>(node_, std::move(meta)));
  }
  std::vector<std::string> ListCollections() const override { return node_->ListCollections(); }
  Status DropCollection(const std::string& name) override { return node_->DropCollection(name); }
  std::vector<std::string> RecoveryNotes() const override { return {}; }
  const std::string& path() const override { return node_->options().cache_dir; }

 private:
  Node* node_;
};

}  // namespace

std::unique_ptr<Database> Node::OpenDatabase() { return std::make_unique<ClusterDatabase>(this); }

}  // namespace ragdb::cluster
