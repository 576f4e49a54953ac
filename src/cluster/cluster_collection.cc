// The cluster as ragdb::Database / ragdb::Collection: every call is split by shard (writes, by
// the hash of each id) or scattered to all shards and gathered (reads), so the server's endpoints
// work unchanged in cluster mode. Results equal a single node's on the same data: top-k lists
// are merged by score (ties by id), BM25 uses statistics summed over the shards, hybrid queries
// fuse the merged sub-query lists with the same code (query/fusion.h), count and scroll are
// exact.
#include <algorithm>
#include <mutex>

#include "cluster/node.h"
#include "cluster/shard/placement.h"
#include "db/explore/explore_util.h"
#include "db/replication.h"
#include "query/fusion.h"

namespace ragdb::cluster {
namespace {

LogOp OpOf(LogOp::Kind kind) {
  LogOp op;
  op.kind = kind;
  return op;
}

bool LowerIsBetter(const CollectionSchema& schema, const std::string& field) {
  const VectorField* f = schema.FindVector(field);
  return f != nullptr && (f->metric == Metric::kL2 || f->metric == Metric::kHamming);
}

class ClusterCollection final : public Collection {
 public:
  ClusterCollection(Node* node, CollectionMeta meta, std::string display_name)
      : node_(node), meta_(std::move(meta)), display_name_(std::move(display_name)) {}

  // The same collection, reading with another consistency.
  std::shared_ptr<Collection> With(ReadConsistency consistency) const {
    auto c = std::make_shared<ClusterCollection>(*this);
    c->consistency_ = consistency;
    return c;
  }

  const std::string& name() const override { return display_name_; }
  CollectionSchema schema() const override {
    auto m = node_->GetMeta(meta_.name);
    return m.ok() ? m->schema : meta_.schema;
  }

  Result<CollectionInfo> Describe() const override {
    RAGDB_ASSIGN_OR_RETURN(CollectionMeta meta, node_->GetMeta(meta_.name));
    ReadArgs args;
    args.kind = ReadKind::kDescribe;
    ReadResult r;
    RAGDB_RETURN_IF_ERROR(node_->Read(meta, args, consistency_, &r));
    CollectionInfo info = std::move(r.info);
    info.name = display_name_;
    info.schema = meta.schema;
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
    std::vector<std::vector<LogOp>> ops(meta_.shards);
    for (auto& r : prepared) {
      auto& shard = ops[ShardOf(r.id, meta_.shards)];
      if (shard.empty()) shard.push_back(LogOp{});
      shard[0].records.push_back(std::move(r));
    }
    return node_->Write(meta_, std::move(ops)).status();
  }

  Result<Record> Get(const PointId& id, bool with_vectors) const override {
    RAGDB_ASSIGN_OR_RETURN(auto records, GetMany(std::span<const PointId>(&id, 1), with_vectors));
    if (records.empty()) return Status::NotFound("point " + id.ToString() + " not found");
    return std::move(records[0]);
  }

  Result<std::vector<Record>> GetMany(std::span<const PointId> ids,
                                      bool with_vectors) const override {
    ReadArgs args;
    args.kind = ReadKind::kGet;
    args.with_vectors = with_vectors;
    args.ids.resize(meta_.shards);
    for (const auto& id : ids) args.ids[ShardOf(id, meta_.shards)].push_back(id);
    ReadResult r;
    RAGDB_RETURN_IF_ERROR(node_->Read(meta_, args, consistency_, &r));
    // In the order asked for, as a single node returns them.
    std::map<PointId, Record*> by_id;
    for (auto& rec : r.records) by_id.emplace(rec.id, &rec);
    std::vector<Record> out;
    for (const auto& id : ids) {
      auto it = by_id.find(id);
      if (it != by_id.end()) out.push_back(*it->second);
    }
    return out;
  }

  Result<size_t> Delete(std::span<const PointId> ids) override {
    std::vector<std::vector<LogOp>> ops(meta_.shards);
    for (const auto& id : ids) {
      auto& shard = ops[ShardOf(id, meta_.shards)];
      if (shard.empty()) shard.push_back(OpOf(LogOp::Kind::kDelete));
      shard[0].ids.push_back(id);
    }
    return node_->Write(meta_, std::move(ops));
  }

  Result<size_t> DeleteByFilter(const Filter& filter) override {
    LogOp op = OpOf(LogOp::Kind::kDeleteFilter);
    op.json = filter.ToJson();
    return node_->Write(meta_, std::vector<std::vector<LogOp>>(meta_.shards, {op}));
  }

  Result<size_t> SetPayload(std::span<const PointId> ids, const Json& payload,
                            bool merge) override {
    if (!payload.is_object()) return Status::InvalidArgument("payload must be a JSON object");
    std::vector<std::vector<LogOp>> ops(meta_.shards);
    for (const auto& id : ids) {
      auto& shard = ops[ShardOf(id, meta_.shards)];
      if (shard.empty()) {
        shard.push_back(OpOf(LogOp::Kind::kSetPayload));
        shard[0].json = payload;
        shard[0].merge = merge;
      }
      shard[0].ids.push_back(id);
    }
    return node_->Write(meta_, std::move(ops));
  }

  Result<size_t> Count(const Filter* filter) const override {
    ReadArgs args;
    args.kind = ReadKind::kCount;
    if (filter != nullptr) args.filter = *filter;
    ReadResult r;
    RAGDB_RETURN_IF_ERROR(node_->Read(meta_, args, consistency_, &r));
    return r.count;
  }

  Result<ScrollPage> Scroll(const ScrollRequest& request) const override {
    ReadArgs args;
    args.kind = ReadKind::kScroll;
    args.scroll = request;
    ReadResult r;
    RAGDB_RETURN_IF_ERROR(node_->Read(meta_, args, consistency_, &r));
    ScrollPage page{std::move(r.records), std::move(r.next_offset), std::move(r.order_values)};
    if (!request.with_payload) {
      for (auto& rec : page.records) rec.payload = Json();
    }
    return page;
  }

  Result<std::vector<ScoredPoint>> Search(const SearchRequest& request) const override {
    if (request.mmr && meta_.schema.FindMultiVector(request.field) == nullptr) {
      // The candidates are the collection's nearest (merged over the shards); MMR picks among
      // them as one collection would.
      RAGDB_ASSIGN_OR_RETURN(SearchRequest candidates,
                             db::MmrCandidatesRequest(meta_.schema, display_name_, request));
      RAGDB_ASSIGN_OR_RETURN(std::vector<ScoredPoint> hits, Search(candidates));
      return db::SelectMmr(meta_.schema, request, std::move(hits));
    }
    if (request.k == 0) return std::vector<ScoredPoint>{};
    ReadArgs args;
    args.kind = ReadKind::kSearch;
    args.search = request;
    args.search.k = request.k + request.offset;  // each shard's best, then the page of the union
    args.search.offset = 0;
    args.lower_is_better = LowerIsBetter(meta_.schema, request.field);
    return Points(args, request.offset);
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
      return Status::InvalidArgument("collection '" + display_name_ +
                                     "' has no text field (create it with --text)");
    }
    if (request.k == 0) return std::vector<ScoredPoint>{};
    // Round 1: the shards' statistics for the query's terms, summed; round 2: every shard scores
    // with the sums, as one collection would.
    ReadArgs args;
    args.kind = ReadKind::kTextStats;
    args.text = request;
    args.text.k = request.k + request.offset;
    args.text.offset = 0;
    ReadResult stats;
    RAGDB_RETURN_IF_ERROR(node_->Read(meta_, args, consistency_, &stats));
    args.kind = ReadKind::kSearchText;
    args.stats = std::move(stats.stats);
    return Points(args, request.offset);
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
    ReadArgs args;
    args.kind = ReadKind::kSearchSparse;
    args.sparse = request;
    args.sparse.k = request.k + request.offset;
    args.sparse.offset = 0;
    return Points(args, request.offset);
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

  Status DropPayloadIndex(const std::string& path) override {
    return node_->DropPayloadIndex(meta_.name, display_name_, path);
  }

  Status UpdateVectorIndex(const std::string& field, const IndexParams& params) override {
    return node_->UpdateVectorIndex(meta_.name, display_name_, field, params);
  }

  Status Optimize() override { return node_->Optimize(meta_); }

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

  Result<std::vector<ScoredPoint>> Recommend(const RecommendRequest& request) const override {
    RecommendRequest r = request;
    std::vector<VectorExample*> examples;
    for (auto& e : r.positive) examples.push_back(&e);
    for (auto& e : r.negative) examples.push_back(&e);
    RAGDB_ASSIGN_OR_RETURN(std::vector<PointId> ids, ResolveExamples(r.field, examples));
    r.filter = db::ExcludingIds(r.filter, std::move(ids));
    ReadArgs args;
    args.kind = ReadKind::kRecommend;
    args.recommend = std::move(r);
    args.recommend.k = request.k + request.offset;
    args.recommend.offset = 0;
    args.lower_is_better = request.strategy == RecommendStrategy::kAverageVector &&
                           LowerIsBetter(meta_.schema, request.field);
    return Points(args, request.offset);
  }

  Result<std::vector<ScoredPoint>> Discover(const DiscoverRequest& request) const override {
    DiscoverRequest r = request;
    std::vector<VectorExample*> examples;
    if (r.target) examples.push_back(&*r.target);
    for (auto& pair : r.context) {
      examples.push_back(&pair.positive);
      examples.push_back(&pair.negative);
    }
    RAGDB_ASSIGN_OR_RETURN(std::vector<PointId> ids, ResolveExamples(r.field, examples));
    r.filter = db::ExcludingIds(r.filter, std::move(ids));
    ReadArgs args;
    args.kind = ReadKind::kDiscover;
    args.discover = std::move(r);
    args.discover.k = request.k + request.offset;
    args.discover.offset = 0;
    return Points(args, request.offset);
  }

  Result<std::vector<FacetHit>> Facet(const FacetRequest& request) const override {
    if (request.limit == 0) return Status::InvalidArgument("facet limit must be at least 1");
    ReadArgs args;
    args.kind = ReadKind::kFacet;
    args.facet = request;
    args.facet.limit = SIZE_MAX;  // every value's count, summed over the shards, then cut
    ReadResult r;
    RAGDB_RETURN_IF_ERROR(node_->Read(meta_, args, consistency_, &r));
    if (r.facets.size() > request.limit) r.facets.resize(request.limit);
    return std::move(r.facets);
  }

  Result<std::vector<Record>> Sample(const SampleRequest& request) const override {
    ReadArgs args;
    args.kind = ReadKind::kSample;
    args.sample = request;
    ReadResult r;
    RAGDB_RETURN_IF_ERROR(node_->Read(meta_, args, consistency_, &r));
    if (!request.with_payload) {
      for (auto& rec : r.records) rec.payload = Json();
    }
    return std::move(r.records);
  }

 private:
  // A top list read over the shards, without its first `offset` hits.
  Result<std::vector<ScoredPoint>> Points(const ReadArgs& args, size_t offset) const {
    ReadResult r;
    RAGDB_RETURN_IF_ERROR(node_->Read(meta_, args, consistency_, &r));
    auto& pts = r.points;
    pts.erase(pts.begin(), pts.begin() + std::min(offset, pts.size()));
    return std::move(pts);
  }

  // Replaces each example that names a stored point by that point's vector of `field` (looked up
  // on its shard, as one collection would read it), and returns the ids named: they are never
  // results. Errors as one collection gives them.
  Result<std::vector<PointId>> ResolveExamples(const std::string& field,
                                               const std::vector<VectorExample*>& examples) const {
    if (meta_.schema.FindVector(field) == nullptr) {
      return Status::InvalidArgument("collection '" + display_name_ + "' has no vector field '" +
                                     field + "'");
    }
    std::vector<PointId> ids;
    for (const VectorExample* e : examples) {
      if (e->id) ids.push_back(*e->id);
    }
    if (ids.empty()) return ids;
    RAGDB_ASSIGN_OR_RETURN(std::vector<Record> records, GetMany(ids, /*with_vectors=*/true));
    std::map<PointId, const Record*> by_id;
    for (const Record& rec : records) by_id.emplace(rec.id, &rec);
    for (VectorExample* e : examples) {
      if (!e->id) continue;
      auto it = by_id.find(*e->id);
      if (it == by_id.end()) {
        return Status::NotFound("No point with id " + e->id->ToString() + " found");
      }
      auto v = it->second->vectors.find(field);
      if (v == it->second->vectors.end()) {
        return Status::InvalidArgument("point " + e->id->ToString() + " has no vector '" + field +
                                       "'");
      }
      e->vector = v->second;
      e->id.reset();
    }
    return ids;
  }

  Node* node_;
  CollectionMeta meta_;
  std::string display_name_;  // without the tenant's prefix
  ReadConsistency consistency_ = ReadConsistency::kOwner;
};

// The collections of one tenant: cluster-wide names are the tenant's prefix ("" for the default
// tenant, "tenant/" for another) and the name the tenant sees.
class ClusterDatabase final : public Database {
 public:
  ClusterDatabase(Node* node, std::string prefix) : node_(node), prefix_(std::move(prefix)) {}

  Result<std::shared_ptr<Collection>> CreateCollection(const std::string& name,
                                                       const CollectionSchema& schema) override {
    RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
    RAGDB_RETURN_IF_ERROR(node_->CreateCollection(prefix_ + name, schema, 1, 1));
    return GetCollection(name);
  }
  Result<std::shared_ptr<Collection>> GetCollection(const std::string& name) const override {
    RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
    auto meta = node_->GetMeta(prefix_ + name);
    if (!meta.ok() && meta.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("collection '" + name + "' not found");
    }
    if (!meta.ok()) return meta.status();
    return std::shared_ptr<Collection>(
        std::make_shared<ClusterCollection>(node_, std::move(meta).value(), name));
  }
  std::vector<std::string> ListCollections() const override {
    std::vector<std::string> out;
    for (const auto& n : node_->ListCollections()) {
      // The default tenant's names hold no '/'; another tenant's start with its prefix.
      if (prefix_.empty() ? n.find('/') == std::string::npos : n.starts_with(prefix_)) {
        out.push_back(n.substr(prefix_.size()));
      }
    }
    return out;
  }
  Status DropCollection(const std::string& name) override {
    RAGDB_RETURN_IF_ERROR(ValidateCollectionName(name));
    Status s = node_->DropCollection(prefix_ + name);
    if (s.code() == StatusCode::kNotFound)
      return Status::NotFound("collection '" + name + "' not found");
    return s;
  }
  std::vector<std::string> RecoveryNotes() const override { return {}; }
  const std::string& path() const override { return node_->options().cache_dir; }

 private:
  Node* node_;
  std::string prefix_;
};

}  // namespace

std::unique_ptr<Database> Node::OpenDatabase(const std::string& prefix) {
  return std::make_unique<ClusterDatabase>(this, prefix);
}

std::shared_ptr<Collection> WithReadConsistency(std::shared_ptr<Collection> c,
                                                ReadConsistency consistency) {
  if (auto* cluster = dynamic_cast<ClusterCollection*>(c.get())) return cluster->With(consistency);
  return c;
}

}  // namespace ragdb::cluster
