// Filter <-> Qdrant JSON. Strict: every unknown key or wrong type is an InvalidArgument naming the
// JSON path inside the filter ("filter.must[1].match: unknown key 'valu'").
//
// Accepted shape (Qdrant's, minus geo / values_count / datetime / nested-array conditions):
//   Filter     {"must": C|[C..], "should": C|[C..], "must_not": C|[C..]}   (null = absent)
//   C (field)  {"key": path, "match": M} | {"key": path, "range": R}
//   M          {"value": v} | {"any": [v..]} | {"except": [v..]} | {"text": "words"}
//   R          {"gt"|"gte"|"lt"|"lte": number|null, ...}
//   C (other)  {"is_empty": {"key": path}} | {"is_null": {"key": path}} | {"has_id": [id..]}
//   C (filter) a Filter object, used as one condition
// v is a string, integer or bool as in Qdrant; ragdb also accepts a float (compared numerically:
// 3 matches 3.0) and null (matches a null value or a null array element).
// Rejected with a clear message: "min_should", "nested", "has_vector", geo and values_count.
#include <cmath>
#include <string>

#include "query/json_path.h"
#include "query/value_match.h"
#include "ragdb/filter.h"

namespace ragdb {
namespace {

constexpr int kMaxDepth = 64;

Status Err(const std::string& where, const std::string& msg) {
  return Status::InvalidArgument(where + ": " + msg);
}

std::string TypeName(const Json& j) {
  if (j.is_number_float()) return "float";
  if (j.is_number()) return "integer";
  return j.type_name();
}

Result<Filter> FilterFromJson(const Json& j, const std::string& where, int depth);

Status KeyFromJson(const Json& j, const std::string& where, std::string* key) {
  if (!j.is_string()) return Err(where, "expected a string, got " + TypeName(j));
  const std::string& s = j.get_ref<const std::string&>();
  Status st = internal::ValidatePath(s);
  if (!st.ok()) return Err(where, st.message());
  *key = s;
  return Status::Ok();
}

Status ScalarFromJson(const Json& j, const std::string& where, std::vector<Json>* out) {
  if (!internal::IsMatchScalar(j)) {
    return Err(where, "expected a string, integer, float, bool or null, got " + TypeName(j));
  }
  if (j.is_number_float() && !std::isfinite(j.get<double>())) {
    return Err(where, "expected a finite number");
  }
  out->push_back(j);
  return Status::Ok();
}

Status MatchFromJson(const Json& j, const std::string& where, Condition* c) {
  if (!j.is_object()) return Err(where, "expected an object, got " + TypeName(j));
  if (j.size() != 1) {
    for (const auto& [k, v] : j.items()) {
      if (k != "value" && k != "any" && k != "except" && k != "text") {
        return Err(where, "unknown key '" + k + "'");
      }
    }
    return Err(where, "expected exactly one of 'value', 'any', 'except', 'text'");
  }
  auto it = j.begin();
  const std::string& k = it.key();
  const Json& v = it.value();
  std::string at = where + "." + k;
  if (k == "value") {
    c->kind = Condition::Kind::kMatch;
    return ScalarFromJson(v, at, &c->values);
  }
  if (k == "any" || k == "except") {
    c->kind = k == "any" ? Condition::Kind::kMatchAny : Condition::Kind::kMatchExcept;
    if (!v.is_array()) return Err(at, "expected an array, got " + TypeName(v));
    for (size_t i = 0; i < v.size(); ++i) {
      RAGDB_RETURN_IF_ERROR(ScalarFromJson(v[i], at + "[" + std::to_string(i) + "]", &c->values));
    }
    return Status::Ok();
  }
  if (k == "text") {
    c->kind = Condition::Kind::kMatchText;
    if (!v.is_string()) return Err(at, "expected a string, got " + TypeName(v));
    c->text = v.get<std::string>();
    return Status::Ok();
  }
  return Err(where, "unknown key '" + k + "'");
}

Status RangeFromJson(const Json& j, const std::string& where, Range* r) {
  if (!j.is_object()) return Err(where, "expected an object, got " + TypeName(j));
  for (const auto& [k, v] : j.items()) {
    std::optional<double>* bound = k == "gt"    ? &r->gt
                                   : k == "gte" ? &r->gte
                                   : k == "lt"  ? &r->lt
                                   : k == "lte" ? &r->lte
                                                : nullptr;
    if (bound == nullptr) return Err(where, "unknown key '" + k + "'");
    if (v.is_null()) continue;
    if (!v.is_number()) {
      return Err(where + "." + k,
                 "expected a number, got " + TypeName(v) +
                     (v.is_string() ? " (datetime ranges are not supported)" : ""));
    }
    double d = *internal::NumberAsDouble(v);
    if (!std::isfinite(d)) return Err(where + "." + k, "expected a finite number");
    *bound = d;
  }
  return Status::Ok();
}

// {"is_empty": {"key": "a"}} and {"is_null": {"key": "a"}}.
Status KeyOnlyFromJson(const Json& j, const std::string& where, std::string* key) {
  if (!j.is_object()) return Err(where, "expected an object, got " + TypeName(j));
  for (const auto& [k, v] : j.items()) {
    if (k != "key") return Err(where, "unknown key '" + k + "'");
  }
  if (!j.contains("key")) return Err(where, "missing 'key'");
  return KeyFromJson(j["key"], where + ".key", key);
}

Result<Condition> ConditionFromJson(const Json& j, const std::string& where, int depth) {
  if (!j.is_object()) return Err(where, "expected a condition object, got " + TypeName(j));
  Condition c;
  if (j.contains("key")) {
    bool has_match = false, has_range = false;
    for (const auto& [k, v] : j.items()) {
      if (k == "key") {
        RAGDB_RETURN_IF_ERROR(KeyFromJson(v, where + ".key", &c.key));
      } else if (k == "match") {
        has_match = true;
        RAGDB_RETURN_IF_ERROR(MatchFromJson(v, where + ".match", &c));
      } else if (k == "range") {
        has_range = true;
        c.kind = Condition::Kind::kRange;
        RAGDB_RETURN_IF_ERROR(RangeFromJson(v, where + ".range", &c.range));
      } else if (k == "geo_bounding_box" || k == "geo_radius" || k == "geo_polygon" ||
                 k == "values_count") {
        return Err(where, "'" + k + "' conditions are not supported");
      } else {
        return Err(where, "unknown key '" + k + "'");
      }
    }
    if (has_match && has_range) return Err(where, "'match' and 'range' cannot be combined");
    if (!has_match && !has_range) return Err(where, "expected 'match' or 'range' with 'key'");
    return c;
  }
  auto only = [&](const char* name) -> Status {
    if (j.size() != 1) {
      for (const auto& [k, v] : j.items()) {
        if (k != name) return Err(where, "unknown key '" + k + "' beside '" + name + "'");
      }
    }
    return Status::Ok();
  };
  if (j.contains("is_empty") || j.contains("is_null")) {
    const char* name = j.contains("is_empty") ? "is_empty" : "is_null";
    RAGDB_RETURN_IF_ERROR(only(name));
    c.kind = j.contains("is_empty") ? Condition::Kind::kIsEmpty : Condition::Kind::kIsNull;
    RAGDB_RETURN_IF_ERROR(KeyOnlyFromJson(j[name], where + "." + name, &c.key));
    return c;
  }
  if (j.contains("has_id")) {
    RAGDB_RETURN_IF_ERROR(only("has_id"));
    c.kind = Condition::Kind::kHasId;
    const Json& ids = j["has_id"];
    if (!ids.is_array()) return Err(where + ".has_id", "expected an array, got " + TypeName(ids));
    for (size_t i = 0; i < ids.size(); ++i) {
      Result<PointId> id = PointId::FromJson(ids[i]);
      if (!id.ok()) return Err(where + ".has_id[" + std::to_string(i) + "]", id.status().message());
      c.ids.push_back(*std::move(id));
    }
    return c;
  }
  if (j.contains("nested")) {
    return Err(where,
               "'nested' conditions are not supported; a dotted path such as 'items[].price' "
               "matches when any array element does");
  }
  if (j.contains("has_vector")) return Err(where, "'has_vector' conditions are not supported");
  // Anything else must be a sub-filter; its parser reports unknown keys.
  if (depth >= kMaxDepth) return Err(where, "filter nested too deeply");
  RAGDB_ASSIGN_OR_RETURN(Filter sub, FilterFromJson(j, where, depth + 1));
  c.kind = Condition::Kind::kNested;
  c.filter = std::make_shared<const Filter>(std::move(sub));
  return c;
}

Status ClauseFromJson(const Json& j, const std::string& where, int depth,
                      std::vector<Condition>* out) {
  if (j.is_null()) return Status::Ok();
  if (j.is_object()) {  // Qdrant accepts one condition in place of a list
    RAGDB_ASSIGN_OR_RETURN(Condition c, ConditionFromJson(j, where, depth));
    out->push_back(std::move(c));
    return Status::Ok();
  }
  if (!j.is_array()) {
    return Err(where, "expected an array of conditions or one condition, got " + TypeName(j));
  }
  for (size_t i = 0; i < j.size(); ++i) {
    RAGDB_ASSIGN_OR_RETURN(Condition c,
                           ConditionFromJson(j[i], where + "[" + std::to_string(i) + "]", depth));
    out->push_back(std::move(c));
  }
  return Status::Ok();
}

Result<Filter> FilterFromJson(const Json& j, const std::string& where, int depth) {
  if (!j.is_object()) return Err(where, "expected an object, got " + TypeName(j));
  Filter f;
  for (const auto& [k, v] : j.items()) {
    if (k == "must") {
      RAGDB_RETURN_IF_ERROR(ClauseFromJson(v, where + ".must", depth, &f.must));
    } else if (k == "should") {
      RAGDB_RETURN_IF_ERROR(ClauseFromJson(v, where + ".should", depth, &f.should));
    } else if (k == "must_not") {
      RAGDB_RETURN_IF_ERROR(ClauseFromJson(v, where + ".must_not", depth, &f.must_not));
    } else if (k == "min_should") {
      return Err(where, "'min_should' is not supported");
    } else {
      return Err(where, "unknown key '" + k + "'");
    }
  }
  return f;
}

// Range bounds print as integers when they are integral, as people write them.
Json NumberJson(double d) {
  if (std::floor(d) == d && std::fabs(d) < 9007199254740992.0) {
    return Json(static_cast<int64_t>(d));
  }
  return Json(d);
}

Json ConditionToJson(const Condition& c) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kMatch:
    case K::kMatchAny:
    case K::kMatchExcept: {
      Json m = Json::object();
      if (c.kind == K::kMatch && c.values.size() == 1) {
        m["value"] = c.values[0];
      } else {
        m[c.kind == K::kMatchExcept ? "except" : "any"] = Json(c.values);
      }
      return Json{{"key", c.key}, {"match", std::move(m)}};
    }
    case K::kMatchText:
      return Json{{"key", c.key}, {"match", Json{{"text", c.text}}}};
    case K::kRange: {
      Json r = Json::object();
      if (c.range.gt) r["gt"] = NumberJson(*c.range.gt);
      if (c.range.gte) r["gte"] = NumberJson(*c.range.gte);
      if (c.range.lt) r["lt"] = NumberJson(*c.range.lt);
      if (c.range.lte) r["lte"] = NumberJson(*c.range.lte);
      return Json{{"key", c.key}, {"range", std::move(r)}};
    }
    case K::kIsEmpty:
      return Json{{"is_empty", Json{{"key", c.key}}}};
    case K::kIsNull:
      return Json{{"is_null", Json{{"key", c.key}}}};
    case K::kHasId: {
      Json ids = Json::array();
      for (const PointId& id : c.ids) ids.push_back(id.ToJson());
      return Json{{"has_id", std::move(ids)}};
    }
    case K::kNested:
      return c.filter ? c.filter->ToJson() : Json::object();
  }
  return Json::object();
}

Json ClauseToJson(const std::vector<Condition>& conds) {
  Json a = Json::array();
  for (const Condition& c : conds) a.push_back(ConditionToJson(c));
  return a;
}

}  // namespace

Result<Filter> Filter::FromJson(const Json& j) {
  try {
    return FilterFromJson(j, "filter", 0);
  } catch (const std::exception& e) {  // defensive: nlohmann throws on misuse
    return Status::InvalidArgument(std::string("filter: ") + e.what());
  }
}

Json Filter::ToJson() const {
  Json j = Json::object();
  if (!must.empty()) j["must"] = ClauseToJson(must);
  if (!should.empty()) j["should"] = ClauseToJson(should);
  if (!must_not.empty()) j["must_not"] = ClauseToJson(must_not);
  return j;
}

}  // namespace ragdb
