// Exploration endpoints of the Qdrant REST API: the legacy recommend and discover endpoints
// (translated into Query API bodies and run by qdrant/query.cc), facet counts and the search
// matrix. The scoring itself lives in the embedded API (ragdb/explore.h).
#include "server/app.h"
#include "server/qdrant/convert.h"
#include "server/qdrant/fields.h"
#include "server/qdrant/query.h"

namespace ragdb::server {
namespace {

constexpr size_t kMaxMatrixSample = 10000;  // the matrix costs sample^2 distances

bool Has(const Json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && !it->is_null();
}

// Members copied unchanged from a legacy body into the Query API body.
void CopyCommon(const Json& from, Json* to) {
  for (const char* k : {"filter", "params", "limit", "offset", "with_payload", "with_vector",
                        "score_threshold", "using", "group_by", "group_size", "shard_key"}) {
    if (Has(from, k)) (*to)[k] = from[k];
  }
}

// POST /points/recommend (each search of /recommend/batch, and /recommend/groups) -> Query API.
Result<Json> RecommendToQuery(const Json& body, bool groups, std::vector<std::string>* warnings) {
  if (!body.is_object()) return Status::InvalidArgument("expected a recommend request object");
  RAGDB_RETURN_IF_ERROR(
      CheckFields(body, "", groups ? kRecommendGroupsFields : kRecommendFields, warnings));
  if (!groups && !Has(body, "limit")) return Status::InvalidArgument("missing field `limit`");
  Json recommend = Json::object();
  for (const char* k : {"positive", "negative", "strategy"}) {
    if (Has(body, k)) recommend[k] = body[k];
  }
  Json q = {{"query", {{"recommend", std::move(recommend)}}}};
  CopyCommon(body, &q);
  return q;
}

// POST /points/discover (and each search of /discover/batch) -> Query API: a target makes a
// discovery query, context pairs alone a context query.
Result<Json> DiscoverToQuery(const Json& body, std::vector<std::string>* warnings) {
  if (!body.is_object()) return Status::InvalidArgument("expected a discover request object");
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kDiscoverFields, warnings));
  if (!Has(body, "limit")) return Status::InvalidArgument("missing field `limit`");
  const bool has_context = Has(body, "context") && !body["context"].empty();
  Json q = Json::object();
  if (Has(body, "target")) {
    Json d = {{"target", body["target"]}};
    if (has_context) d["context"] = body["context"];
    q["query"] = {{"discover", std::move(d)}};
  } else if (has_context) {
    q["query"] = {{"context", body["context"]}};
  } else {
    return Status::InvalidArgument("needs a `target` or at least one `context` pair");
  }
  CopyCommon(body, &q);
  return q;
}

template <typename Convert>
Result<std::vector<Json>> Searches(const Json& body, std::vector<std::string>* warnings,
                                   Convert convert) {
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kBatchRequestFields, warnings));
  if (!body.contains("searches") || !body["searches"].is_array()) {
    return Status::InvalidArgument("missing field `searches` (an array)");
  }
  std::vector<Json> out;
  for (size_t i = 0; i < body["searches"].size(); ++i) {
    auto q = convert(body["searches"][i], warnings);
    if (!q.ok()) return q.status().WithContext("searches[" + std::to_string(i) + "]");
    out.push_back(std::move(q).value());
  }
  return out;
}

Result<Json> Recommend(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_ASSIGN_OR_RETURN(Json q, RecommendToQuery(body, false, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(RunQueryToJson(*col, q, &ctx.warnings, &ctx.result_text.emplace()));
  return Json();
}

Result<Json> RecommendBatch(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_ASSIGN_OR_RETURN(auto queries,
                         Searches(body, &ctx.warnings, [](const Json& b, auto* warnings) {
                           return RecommendToQuery(b, false, warnings);
                         }));
  RAGDB_RETURN_IF_ERROR(RunQueriesToJson(*col, queries, &ctx.warnings, &ctx.result_text.emplace()));
  return Json();
}

Result<Json> RecommendGroups(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_ASSIGN_OR_RETURN(Json q, RecommendToQuery(body, true, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(RunGroupsToJson(*col, q, &ctx.result_text.emplace()));
  return Json();
}

Result<Json> Discover(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_ASSIGN_OR_RETURN(Json q, DiscoverToQuery(body, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(RunQueryToJson(*col, q, &ctx.warnings, &ctx.result_text.emplace()));
  return Json();
}

Result<Json> DiscoverBatch(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_ASSIGN_OR_RETURN(auto queries, Searches(body, &ctx.warnings, DiscoverToQuery));
  RAGDB_RETURN_IF_ERROR(RunQueriesToJson(*col, queries, &ctx.warnings, &ctx.result_text.emplace()));
  return Json();
}

Result<Json> Facet(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kFacetFields, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  FacetRequest req;
  RAGDB_ASSIGN_OR_RETURN(auto key, OptString(body, "key"));
  if (!key || key->empty()) return Status::InvalidArgument("missing field `key`");
  req.key = *key;
  RAGDB_ASSIGN_OR_RETURN(auto limit, OptUint(body, "limit"));
  if (limit) {
    if (*limit == 0) return Status::InvalidArgument("limit: must be at least 1");
    req.limit = *limit;
  }
  RAGDB_ASSIGN_OR_RETURN(auto exact, OptBool(body, "exact"));
  (void)exact;  // counts are always exact here
  RAGDB_ASSIGN_OR_RETURN(req.filter,
                         ParseQdrantFilter(body.contains("filter") ? &body["filter"] : nullptr));
  RAGDB_ASSIGN_OR_RETURN(auto hits, col->Facet(req));
  Json out = Json::array();
  for (auto& h : hits) out.push_back({{"value", std::move(h.value)}, {"count", h.count}});
  return Json{{"hits", std::move(out)}};
}

Result<DistanceMatrix> Matrix(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kMatrixFields, &ctx.warnings));
  RAGDB_RETURN_IF_ERROR(CheckDistribution(body, ctx.app.cluster() != nullptr));
  DistanceMatrixRequest req;
  RAGDB_ASSIGN_OR_RETURN(auto sample, OptUint(body, "sample"));
  if (sample) {
    if (*sample < 2 || *sample > kMaxMatrixSample) {
      return Status::InvalidArgument("sample: must be 2 to " + std::to_string(kMaxMatrixSample));
    }
    req.sample = *sample;
  }
  RAGDB_ASSIGN_OR_RETURN(auto limit, OptUint(body, "limit"));
  if (limit) {
    if (*limit == 0) return Status::InvalidArgument("limit: must be at least 1");
    req.limit = *limit;
  }
  RAGDB_ASSIGN_OR_RETURN(auto using_, OptString(body, "using"));
  if (using_) req.field = *using_;
  RAGDB_ASSIGN_OR_RETURN(req.filter,
                         ParseQdrantFilter(body.contains("filter") ? &body["filter"] : nullptr));
  return col->SearchMatrix(req);
}

Result<Json> MatrixPairs(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(DistanceMatrix m, Matrix(ctx));
  Json pairs = Json::array();
  for (size_t i = 0; i < m.rows.size(); ++i) {
    for (const auto& e : m.rows[i]) {
      pairs.push_back(
          {{"a", m.ids[i].ToJson()}, {"b", m.ids[e.column].ToJson()}, {"score", e.score}});
    }
  }
  return Json{{"pairs", std::move(pairs)}};
}

Result<Json> MatrixOffsets(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(DistanceMatrix m, Matrix(ctx));
  Json rows = Json::array(), cols = Json::array(), scores = Json::array(), ids = Json::array();
  for (size_t i = 0; i < m.rows.size(); ++i) {
    for (const auto& e : m.rows[i]) {
      rows.push_back(i);
      cols.push_back(e.column);
      scores.push_back(e.score);
    }
  }
  for (const auto& id : m.ids) ids.push_back(id.ToJson());
  return Json{{"offsets_row", std::move(rows)},
              {"offsets_col", std::move(cols)},
              {"scores", std::move(scores)},
              {"ids", std::move(ids)}};
}

}  // namespace

void RegisterExploreRoutes(App& app) {
  const std::string c = "/collections/{collection_name}";
  // Exact scans can take a while on large collections: these run on the worker pool.
  app.Route("POST", c + "/points/recommend", Access::kRead, Recommend);
  app.Route("POST", c + "/points/recommend/batch", Access::kRead, RecommendBatch);
  app.Route("POST", c + "/points/recommend/groups", Access::kRead, RecommendGroups);
  app.Route("POST", c + "/points/discover", Access::kRead, Discover);
  app.Route("POST", c + "/points/discover/batch", Access::kRead, DiscoverBatch);
  app.Route("POST", c + "/facet", Access::kRead, Facet);
  app.Route("POST", c + "/points/search/matrix/pairs", Access::kRead, MatrixPairs);
  app.Route("POST", c + "/points/search/matrix/offsets", Access::kRead, MatrixOffsets);
}

}  // namespace ragdb::server
