// What ragdb does with each field of a Qdrant request body: the one place that decides, so no
// field is accepted and silently dropped (docs/server.md, "Fields ragdb does not use").
//
//   used          read by the endpoint;
//   warned        a tuning knob of Qdrant's own machinery with nothing to tune here (optimizer
//                 thresholds, WAL sizing, indexing threads): accepted, and the response carries
//                 a `Warning: 299 ragdb "<field>: <why>"` header, also logged;
//   unsupported   a feature ragdb does not have: 501 naming the field;
//   anything else 400 "unknown field" naming it (as Qdrant does for unknown fields).
// A field whose value is null counts as absent (clients send nulls for unset options).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb::server {

struct FieldRules {
  std::vector<std::string_view> used;
  std::vector<std::pair<std::string_view, std::string_view>> warned;       // field, why
  std::vector<std::pair<std::string_view, std::string_view>> unsupported;  // field, what instead
};

// Checks the members of `obj` (an object; other types pass) against `rules`. `where` prefixes
// field names in messages ("hnsw_config" -> "hnsw_config.payload_m"). Warnings are appended.
Status CheckFields(const Json& obj, std::string_view where, const FieldRules& rules,
                   std::vector<std::string>* warnings);

// Distribution parameters: shard_number, replication_factor, write_consistency_factor,
// read_fan_out_factor, sharding_method and shard_key — the one place that knows what the
// deployment honours. A single node holds one shard with one replica: asking for more is a 400
// naming the field, instead of a collection that silently has less. Cluster mode
// (`cluster_mode`) honours shard_number and replication_factor when a collection is created;
// the other parameters are refused in both modes.
Status CheckDistribution(const Json& obj, bool cluster_mode);

// The rules of each request body (qdrant/fields.cc lists them with their reasons).
extern const FieldRules kCreateCollectionFields;
extern const FieldRules kUpdateAliasesFields;  // POST /collections/aliases
extern const FieldRules kCreateAliasFields;
extern const FieldRules kDeleteAliasFields;
extern const FieldRules kRenameAliasFields;
extern const FieldRules kUpdateCollectionFields;
extern const FieldRules kCollectionParamsFields;  // PATCH "params"
extern const FieldRules kVectorParamsDiffFields;  // PATCH "vectors.NAME"
extern const FieldRules kOptimizersFields;
extern const FieldRules kVectorParamsFields;
extern const FieldRules kMultivectorConfigFields;  // "vectors.NAME.multivector_config"
extern const FieldRules kHnswConfigFields;
extern const FieldRules kQuantizationFields;
extern const FieldRules kProductQuantizationFields;
extern const FieldRules kScalarQuantizationFields;
extern const FieldRules kBinaryQuantizationFields;
extern const FieldRules kSparseVectorParamsFields;
extern const FieldRules kSparseIndexFields;
extern const FieldRules kCreateIndexFields;
extern const FieldRules kUpsertFields;
extern const FieldRules kPointFields;
extern const FieldRules kBatchFields;
extern const FieldRules kRetrieveFields;
extern const FieldRules kDeletePointsFields;
extern const FieldRules kSetPayloadFields;
extern const FieldRules kDeletePayloadFields;
extern const FieldRules kClearPayloadFields;
extern const FieldRules kScrollFields;
extern const FieldRules kOrderByFields;  // scroll order_by {key, direction, start_from}
extern const FieldRules kCountFields;
extern const FieldRules kQueryFields;
extern const FieldRules kQueryGroupsFields;
extern const FieldRules kPrefetchFields;
extern const FieldRules kSearchFields;
extern const FieldRules kSearchGroupsFields;
extern const FieldRules kSearchParamsFields;
extern const FieldRules kQuantizationSearchFields;
extern const FieldRules kBatchRequestFields;
// Exploration (qdrant/examples.cc, qdrant/explore.cc).
extern const FieldRules kRecommendInputFields;  // Query API {"recommend": {...}}
extern const FieldRules kDiscoverInputFields;   // Query API {"discover": {...}}
extern const FieldRules kContextPairFields;     // {"positive", "negative"}
extern const FieldRules kNearestFields;         // Query API {"nearest", "mmr"}
extern const FieldRules kMmrFields;
extern const FieldRules kRecommendFields;  // POST /points/recommend
extern const FieldRules kRecommendGroupsFields;
extern const FieldRules kDiscoverFields;  // POST /points/discover
extern const FieldRules kFacetFields;
extern const FieldRules kMatrixFields;  // /points/search/matrix/{pairs,offsets}
// Vector updates and batches of operations (qdrant/points.cc).
extern const FieldRules kUpdateVectorsFields;     // PUT /points/vectors
extern const FieldRules kPointVectorsFields;      // each of its points
extern const FieldRules kDeleteVectorsFields;     // POST /points/vectors/delete
extern const FieldRules kUpdateOperationsFields;  // POST /points/batch
extern const FieldRules kUpdateOperationFields;   // each operation: one of these members
extern const FieldRules kRecoverFields;  // PUT .../snapshots/recover, PUT /snapshots/recover

}  // namespace ragdb::server
