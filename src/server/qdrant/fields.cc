#include "server/qdrant/fields.h"

#include <type_traits>

namespace ragdb::server {
namespace {

constexpr std::string_view kNoOptimizer =
    "ragdb has no background optimizer: segments are sealed at 65,536 rows and merged by "
    "`ragdb optimize`";
constexpr std::string_view kNoWalSizing =
    "ragdb's write-ahead log is fsynced per write batch and has no size settings";
constexpr std::string_view kThreads = "index builds use one thread per CPU core";
constexpr std::string_view kFullScan =
    "ragdb scans exactly by itself: segments under 1,024 rows and filters that pass few rows";
constexpr std::string_view kShardKey = "shard_key";

std::string Join(std::string_view where, std::string_view key) {
  return where.empty() ? std::string(key) : std::string(where) + "." + std::string(key);
}

template <typename List>
const std::string_view* Find(const List& list, std::string_view key) {
  for (const auto& e : list) {
    if constexpr (std::is_same_v<std::decay_t<decltype(e)>, std::string_view>) {
      if (e == key) return &e;
    } else {
      if (e.first == key) return &e.second;
    }
  }
  return nullptr;
}

}  // namespace

Status CheckFields(const Json& obj, std::string_view where, const FieldRules& rules,
                   std::vector<std::string>* warnings) {
  if (!obj.is_object()) return Status::Ok();
  for (const auto& [key, value] : obj.items()) {
    if (value.is_null() || Find(rules.used, key) != nullptr) continue;
    const std::string name = Join(where, key);
    if (const std::string_view* why = Find(rules.warned, key)) {
      warnings->push_back(name + " is ignored: " + std::string(*why));
      continue;
    }
    if (const std::string_view* instead = Find(rules.unsupported, key)) {
      return Status::Unimplemented(name + " is not supported" +
                                   (instead->empty() ? "" : " (" + std::string(*instead) + ")"));
    }
    std::string known;
    for (std::string_view u : rules.used) known += (known.empty() ? "" : ", ") + std::string(u);
    return Status::InvalidArgument("unknown field `" + name + "`" +
                                   (known.empty() ? "" : " (expected one of: " + known + ")"));
  }
  return Status::Ok();
}

Status CheckDistribution(const Json& obj, bool cluster_mode) {
  if (!obj.is_object()) return Status::Ok();
  for (const char* key :
       {"shard_number", "replication_factor", "write_consistency_factor", "read_fan_out_factor"}) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) continue;
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return Status::InvalidArgument(std::string(key) + ": expected a non-negative integer");
    }
    const std::string_view k = key;
    if (cluster_mode && (k == "shard_number" || k == "replication_factor")) continue;
    // read_fan_out_factor counts extra replicas asked (0 = none); the others count copies.
    const int64_t limit = k == "read_fan_out_factor" ? 0 : 1;
    if (it->get<int64_t>() <= limit) continue;
    const std::string asked = std::string(key) + " = " + std::to_string(it->get<int64_t>());
    if (cluster_mode) {
      return Status::InvalidArgument(asked + ": not supported in cluster mode (above " +
                                     std::to_string(limit) + ")");
    }
    return Status::InvalidArgument(asked +
                                   ": this server is a single node (one shard, one replica); a "
                                   "value above " +
                                   std::to_string(limit) + " would not be honoured");
  }
  if (auto it = obj.find("sharding_method");
      it != obj.end() && !it->is_null() && *it != Json("auto")) {
    return Status::InvalidArgument(
        "sharding_method: only \"auto\" is supported (collections are sharded automatically)");
  }
  if (auto it = obj.find(kShardKey); it != obj.end() && !it->is_null()) {
    return Status::InvalidArgument(
        "shard_key: custom shards are not supported (collections are sharded automatically)");
  }
  return Status::Ok();
}

// Shard and replica counts are checked by CheckDistribution.
const FieldRules kCreateCollectionFields = {
    {"vectors", "sparse_vectors", "hnsw_config", "quantization_config", "shard_number",
     "replication_factor", "write_consistency_factor", "sharding_method", "on_disk_payload",
     "optimizers_config"},
    {{"wal_config", kNoWalSizing}},
    {{"init_from", "copy points with scroll and upsert"},
     {"strict_mode_config", ""},
     {"metadata", "collection metadata"}}};

// PATCH: index changes are rebuilt in the background (Collection::UpdateVectorIndex).
const FieldRules kUpdateCollectionFields = {
    {"params", "vectors", "hnsw_config", "quantization_config", "optimizers_config"},
    {},
    {{"sparse_vectors", "sparse vector parameters are fixed at creation"},
     {"strict_mode_config", ""},
     {"metadata", "collection metadata"}}};

// PATCH "vectors": {name: VectorParamsDiff}.
const FieldRules kVectorParamsDiffFields = {
    {"hnsw_config", "quantization_config", "on_disk"}, {}, {}};

// Only indexing_threshold has a counterpart (IndexParams::indexing_threshold_kb).
const FieldRules kOptimizersFields = {
    {"indexing_threshold"},
    {{"deleted_threshold", kNoOptimizer},
     {"vacuum_min_vector_number", kNoOptimizer},
     {"default_segment_number", kNoOptimizer},
     {"max_segment_size", kNoOptimizer},
     {"memmap_threshold", "sealed segments are always memory-mapped"},
     {"flush_interval_sec", kNoWalSizing},
     {"max_optimization_threads", kThreads},
     {"prevent_unoptimized", "searches always cover unindexed rows exactly"}},
    {}};

const FieldRules kCollectionParamsFields = {
    {"replication_factor", "write_consistency_factor", "read_fan_out_factor", "on_disk_payload"},
    {},
    {}};

const FieldRules kVectorParamsFields = {
    {"size", "distance", "datatype", "hnsw_config", "quantization_config", "on_disk", "embedder",
     "multivector_config"},
    {},
    {}};

const FieldRules kMultivectorConfigFields = {{"comparator"}, {}, {}};

const FieldRules kHnswConfigFields = {
    {"m", "ef_construct", "on_disk"},
    {{"full_scan_threshold", kFullScan},
     {"max_indexing_threads", kThreads},
     {"inline_storage", "graph links and vectors live in one memory-mapped segment file"}},
    {{"payload_m", "payload-aware graph links"}}};

const FieldRules kQuantizationFields = {{"scalar", "binary", "product"}, {}, {}};

// compression is checked where it is read.
const FieldRules kProductQuantizationFields = {
    {"compression"}, {{"always_ram", "PQ codes live in the memory-mapped segment file"}}, {}};

// encoding / query_encoding values are checked where they are read.
const FieldRules kBinaryQuantizationFields = {
    {"encoding", "query_encoding"},
    {{"always_ram", "binary codes live in the memory-mapped segment file"}},
    {}};

const FieldRules kScalarQuantizationFields = {
    {"type"},
    {{"quantile", "ragdb's SQ8 maps each dimension's minimum and maximum"},
     {"always_ram", "SQ8 codes live in the memory-mapped segment file"}},
    {}};

// "embedder" is ragdb's: "splade:MODEL" or "bge-m3-sparse:MODEL" fills the field from each
// point's text.
const FieldRules kSparseVectorParamsFields = {{"modifier", "index", "embedder"}, {}, {}};

const FieldRules kSparseIndexFields = {
    {"datatype"},
    {{"full_scan_threshold", kFullScan},
     {"on_disk", "sparse indexes live in the memory-mapped segment file"}},
    {}};

const FieldRules kCreateIndexFields = {{"field_name", "field_schema"}, {}, {}};

const FieldRules kUpsertFields = {
    {"points", "batch", "shard_key"}, {}, {{"update_filter", "conditional updates"}}};

const FieldRules kPointFields = {{"id", "vector", "vectors", "payload"}, {}, {}};

const FieldRules kBatchFields = {{"ids", "vectors", "payloads"}, {}, {}};

const FieldRules kRetrieveFields = {
    {"ids", "with_payload", "with_vector", "shard_key", "with_text"}, {}, {}};

const FieldRules kDeletePointsFields = {{"points", "filter", "shard_key"}, {}, {}};

const FieldRules kSetPayloadFields = {
    {"payload", "points", "filter", "shard_key"}, {}, {{"key", "setting a nested path"}}};

const FieldRules kDeletePayloadFields = {{"keys", "points", "filter", "shard_key"}, {}, {}};

const FieldRules kClearPayloadFields = {{"points", "filter", "shard_key"}, {}, {}};

const FieldRules kScrollFields = {{"filter", "limit", "offset", "with_payload", "with_vector",
                                   "shard_key", "with_text", "order_by"},
                                  {},
                                  {}};
const FieldRules kOrderByFields = {{"key", "direction", "start_from"}, {}, {}};

// Alias actions are applied as one atomic list (Database::UpdateAliases).
const FieldRules kUpdateAliasesFields = {{"actions"}, {}, {}};
const FieldRules kCreateAliasFields = {{"collection_name", "alias_name"}, {}, {}};
const FieldRules kDeleteAliasFields = {{"alias_name"}, {}, {}};
const FieldRules kRenameAliasFields = {{"old_alias_name", "new_alias_name"}, {}, {}};

// Counts are always exact here, which `exact: false` permits.
const FieldRules kCountFields = {{"filter", "exact", "shard_key"}, {}, {}};

const FieldRules kQueryFields = {
    {"query", "prefetch", "using", "filter", "params", "score_threshold", "limit", "offset",
     "with_payload", "with_vector", "shard_key", "with_text"},
    {},
    {{"lookup_from", "vectors from another collection"}}};

const FieldRules kQueryGroupsFields = {
    {"query", "prefetch", "using", "filter", "params", "score_threshold", "limit", "with_payload",
     "with_vector", "shard_key", "group_by", "group_size", "with_text"},
    {},
    {{"lookup_from", "vectors from another collection"},
     {"with_lookup", "group lookups in another collection"}}};

const FieldRules kPrefetchFields = {
    {"prefetch", "query", "using", "filter", "params", "score_threshold", "limit"},
    {},
    {{"lookup_from", "vectors from another collection"}}};

// "top" is the old name of "limit".
const FieldRules kSearchFields = {
    {"vector", "filter", "params", "limit", "top", "offset", "with_payload", "with_vector",
     "score_threshold", "shard_key", "with_text"},
    {},
    {}};

const FieldRules kSearchGroupsFields = {
    {"vector", "filter", "params", "limit", "top", "with_payload", "with_vector", "score_threshold",
     "shard_key", "group_by", "group_size", "with_text"},
    {},
    {{"with_lookup", "group lookups in another collection"}}};

// Values of "quantization" and "indexed_only" are checked where they are read.
const FieldRules kSearchParamsFields = {
    {"hnsw_ef", "exact", "quantization", "indexed_only", "nprobe"},
    {{"acorn", "ragdb chooses exact scans and filtered graph walks by itself"}},
    {}};

const FieldRules kQuantizationSearchFields = {{"ignore", "rescore", "oversampling"}, {}, {}};

const FieldRules kBatchRequestFields = {{"searches"}, {}, {}};

constexpr std::string_view kLookupFrom = "examples are looked up in the collection searched";

const FieldRules kRecommendInputFields = {{"positive", "negative", "strategy"}, {}, {}};
const FieldRules kDiscoverInputFields = {{"target", "context"}, {}, {}};
const FieldRules kContextPairFields = {{"positive", "negative"}, {}, {}};
const FieldRules kNearestFields = {{"nearest", "mmr"}, {}, {}};
const FieldRules kMmrFields = {{"diversity", "candidates_limit"}, {}, {}};

const FieldRules kRecommendFields = {
    {"positive", "negative", "strategy", "filter", "params", "limit", "offset", "with_payload",
     "with_vector", "score_threshold", "using", "shard_key"},
    {},
    {{"lookup_from", kLookupFrom}}};
const FieldRules kRecommendGroupsFields = {
    {"positive", "negative", "strategy", "filter", "params", "limit", "with_payload", "with_vector",
     "score_threshold", "using", "shard_key", "group_by", "group_size"},
    {},
    {{"lookup_from", kLookupFrom}, {"with_lookup", "group lookups in another collection"}}};
const FieldRules kDiscoverFields = {{"target", "context", "filter", "params", "limit", "offset",
                                     "with_payload", "with_vector", "using", "shard_key"},
                                    {},
                                    {{"lookup_from", kLookupFrom}}};

// Facet counts are always exact here, which `exact: false` permits.
const FieldRules kFacetFields = {{"key", "limit", "filter", "exact", "shard_key"}, {}, {}};
const FieldRules kMatrixFields = {{"filter", "sample", "limit", "using", "shard_key"}, {}, {}};

const FieldRules kUpdateVectorsFields = {
    {"points", "shard_key"}, {}, {{"update_filter", "conditional updates"}}};
const FieldRules kPointVectorsFields = {{"id", "vector"}, {}, {}};
const FieldRules kDeleteVectorsFields = {{"points", "filter", "vector", "shard_key"}, {}, {}};
const FieldRules kUpdateOperationsFields = {{"operations"}, {}, {}};
const FieldRules kUpdateOperationFields = {
    {"upsert", "delete", "set_payload", "overwrite_payload", "delete_payload", "clear_payload",
     "update_vectors", "delete_vectors"},
    {},
    {}};

// A single node has no replicas whose state a recovery could prefer.
const FieldRules kRecoverFields = {
    {"location", "checksum"},
    {{"priority", "a single node has no replicas to synchronize with"}},
    {{"api_key", "downloads send no credentials; give a URL that needs none"}}};

}  // namespace ragdb::server
