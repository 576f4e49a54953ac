#include "server/qdrant/examples.h"

#include "server/qdrant/convert.h"
#include "server/qdrant/fields.h"

namespace ragdb::server {
namespace {

constexpr uint64_t kMaxMmrCandidates = 16384;  // Qdrant's bound on candidates_limit

std::string At(std::string_view where, std::string_view what) {
  return std::string(where) + std::string(what);
}

}  // namespace

Result<VectorExample> ParseExample(const Json& j, std::string_view where) {
  if (j.is_number() || j.is_string()) {
    auto id = ParseQdrantId(j);
    if (!id.ok()) return id.status().WithContext(std::string(where));
    return VectorExample::Point(std::move(id).value());
  }
  if (j.is_array()) {
    if (!j.empty() && j[0].is_array()) {
      return Status::Unimplemented(std::string(where) +
                                   ": multivector examples are not supported yet");
    }
    RAGDB_ASSIGN_OR_RETURN(auto v, ParseDense(j, where));
    if (v.empty()) return Status::InvalidArgument(std::string(where) + ": empty vector");
    return VectorExample::Vector(std::move(v));
  }
  if (j.is_object()) {
    if (j.contains("indices") || j.contains("values")) {
      return Status::Unimplemented(std::string(where) +
                                   ": sparse vector examples are not supported (recommend, "
                                   "discover and context work on dense vector fields)");
    }
    if (j.contains("text") || j.contains("image") || j.contains("object")) {
      return Status::Unimplemented(std::string(where) +
                                   ": inference objects are not supported as examples");
    }
  }
  return Status::InvalidArgument(std::string(where) +
                                 ": expected a point id or a vector (an array of numbers)");
}

Result<std::vector<VectorExample>> ParseExamples(const Json* j, std::string_view where) {
  std::vector<VectorExample> out;
  if (j == nullptr || j->is_null()) return out;
  if (!j->is_array()) return Status::InvalidArgument(std::string(where) + ": expected an array");
  out.reserve(j->size());
  for (size_t i = 0; i < j->size(); ++i) {
    RAGDB_ASSIGN_OR_RETURN(auto e, ParseExample((*j)[i], At(where, "[" + std::to_string(i) + "]")));
    out.push_back(std::move(e));
  }
  return out;
}

Result<RecommendStrategy> ParseStrategy(const Json* j, std::string_view where) {
  if (j == nullptr || j->is_null()) return RecommendStrategy::kAverageVector;
  const std::string s = j->is_string() ? j->get<std::string>() : "";
  if (s == "average_vector") return RecommendStrategy::kAverageVector;
  if (s == "best_score") return RecommendStrategy::kBestScore;
  if (s == "sum_scores") return RecommendStrategy::kSumScores;
  return Status::InvalidArgument(std::string(where) +
                                 ": expected \"average_vector\", \"best_score\" or \"sum_scores\"");
}

Result<std::vector<ContextPair>> ParseContext(const Json* j, std::string_view where,
                                              std::vector<std::string>* warnings) {
  std::vector<ContextPair> out;
  if (j == nullptr || j->is_null()) return out;
  auto one = [&](const Json& p, const std::string& at) -> Status {
    if (!p.is_object()) {
      return Status::InvalidArgument(at + ": expected a {\"positive\", \"negative\"} pair");
    }
    RAGDB_RETURN_IF_ERROR(CheckFields(p, at, kContextPairFields, warnings));
    if (!p.contains("positive") || !p.contains("negative")) {
      return Status::InvalidArgument(at + ": a context pair needs `positive` and `negative`");
    }
    RAGDB_ASSIGN_OR_RETURN(auto pos, ParseExample(p["positive"], at + ".positive"));
    RAGDB_ASSIGN_OR_RETURN(auto neg, ParseExample(p["negative"], at + ".negative"));
    out.push_back({std::move(pos), std::move(neg)});
    return Status::Ok();
  };
  if (j->is_object()) {
    RAGDB_RETURN_IF_ERROR(one(*j, std::string(where)));
  } else if (j->is_array()) {
    for (size_t i = 0; i < j->size(); ++i) {
      RAGDB_RETURN_IF_ERROR(one((*j)[i], At(where, "[" + std::to_string(i) + "]")));
    }
  } else {
    return Status::InvalidArgument(std::string(where) +
                                   ": expected a {\"positive\", \"negative\"} pair or an array of "
                                   "them");
  }
  return out;
}

Result<OrderBy> ParseOrderBy(const Json& j, std::string_view where,
                             std::vector<std::string>* warnings) {
  const std::string w(where);
  OrderBy o;
  if (j.is_string()) {
    o.key = j.get<std::string>();
  } else if (j.is_object()) {
    RAGDB_RETURN_IF_ERROR(CheckFields(j, w, kOrderByFields, warnings));
    RAGDB_ASSIGN_OR_RETURN(auto key, OptString(j, "key"));
    if (key) o.key = *key;
    RAGDB_ASSIGN_OR_RETURN(auto direction, OptString(j, "direction"));
    if (direction && *direction != "asc" && *direction != "desc") {
      return Status::InvalidArgument(w + ".direction: expected \"asc\" or \"desc\", got \"" +
                                     *direction + "\"");
    }
    o.descending = direction && *direction == "desc";
    if (j.contains("start_from") && !j["start_from"].is_null()) {
      const Json& from = j["start_from"];
      if (from.is_string()) {
        return Status::Unimplemented(w +
                                     ".start_from: datetime values are not supported; give a "
                                     "number");
      }
      if (!from.is_number()) return Status::InvalidArgument(w + ".start_from: expected a number");
      o.start_from = from.get<double>();
    }
  } else {
    return Status::InvalidArgument(w + ": expected a payload key or {\"key\", \"direction\"}");
  }
  if (o.key.empty()) return Status::InvalidArgument(w + ": missing field `key`");
  return o;
}

Result<MmrParams> ParseMmr(const Json& j, std::string_view where,
                           std::vector<std::string>* warnings) {
  const std::string w(where);
  if (!j.is_object()) return Status::InvalidArgument(w + ": expected an object");
  RAGDB_RETURN_IF_ERROR(CheckFields(j, w, kMmrFields, warnings));
  MmrParams out;
  RAGDB_ASSIGN_OR_RETURN(auto d, OptNumber(j, "diversity"));
  if (d) {
    if (!(*d >= 0 && *d <= 1)) return Status::InvalidArgument(w + ".diversity: must be 0 to 1");
    out.diversity = static_cast<float>(*d);
  }
  RAGDB_ASSIGN_OR_RETURN(auto c, OptUint(j, "candidates_limit"));
  if (c) {
    if (*c == 0 || *c > kMaxMmrCandidates) {
      return Status::InvalidArgument(w + ".candidates_limit: must be 1 to " +
                                     std::to_string(kMaxMmrCandidates));
    }
    out.candidates = *c;
  }
  return out;
}

}  // namespace ragdb::server
