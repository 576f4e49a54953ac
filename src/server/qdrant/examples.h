// Qdrant's shapes for exploration requests -> ragdb's (ragdb/explore.h): examples, recommend
// strategies, context pairs, order_by and MMR, shared by the Query API (qdrant/query.cc) and the
// legacy endpoints (qdrant/explore.cc). Members are checked with FieldRules (qdrant/fields.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ragdb/database.h"

namespace ragdb::server {

// A RecommendExample / VectorInput: a point id, or a dense vector. Sparse vectors, multivectors
// and inference objects are 501s naming `where`.
Result<VectorExample> ParseExample(const Json& j, std::string_view where);
// An array of examples; null or absent: none.
Result<std::vector<VectorExample>> ParseExamples(const Json* j, std::string_view where);
// "average_vector" (also for null or absent), "best_score" or "sum_scores".
Result<RecommendStrategy> ParseStrategy(const Json* j, std::string_view where);
// A ContextPair or an array of them; null or absent: none.
Result<std::vector<ContextPair>> ParseContext(const Json* j, std::string_view where,
                                              std::vector<std::string>* warnings);
// OrderByInterface: a payload key, or {"key", "direction": "asc" | "desc", "start_from"}.
Result<OrderBy> ParseOrderBy(const Json& j, std::string_view where,
                             std::vector<std::string>* warnings);
// Mmr: {"diversity" in [0, 1], "candidates_limit" in [1, 16384]}.
Result<MmrParams> ParseMmr(const Json& j, std::string_view where,
                           std::vector<std::string>* warnings);

}  // namespace ragdb::server
