// Filter <-> Qdrant JSON. Strict: every unknown key or wrong type is an InvalidArgument naming the
// JSON path inside the filter ("filter.must[1].match: unknown key 'valu'").
//
// Accepted shape (Qdrant 1.18's):
//   Filter     {"must": C|[C..], "should": C|[C..], "must_not": C|[C..],
//               "min_should": {"conditions": [C..], "min_count": n}}   (null = absent)
//   C (field)  {"key": path, one of: "match": M, "range": R, "geo_radius": .., "geo_bounding_box":
//               .., "geo_polygon": .., "values_count": V, "is_empty": true, "is_null": true}
//   M          {"value": v} | {"any": [v..]} | {"except": [v..]} | {"text": "words"} |
//              {"text_any": "words"} | {"phrase": "words"}
//   R          {"gt"|"gte"|"lt"|"lte": number|null, ...}, or the same with RFC 3339 strings
//              (a datetime range; numbers and strings cannot be mixed)
//   V          {"gt"|"gte"|"lt"|"lte": non-negative integer|null, ...}
//   C (other)  {"is_empty": {"key": path}} | {"is_null": {"key": path}} | {"has_id": [id..]} |
//              {"nested": {"key": path, "filter": Filter}}
//   C (filter) a Filter object, used as one condition
// v is a string, integer or bool as in Qdrant; ragdb also accepts a float (compared numerically:
// 3 matches 3.0) and null (matches a null value or a null array element).
// Rejected with a clear message: "has_vector".
#include <cmath>
#include <string>

#include "query/datetime.h"
#include "query/geo.h"
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
      if (k != "value" && k != "any" && k != "except" && k != "text" && k != "text_any" &&
          k != "phrase") {
        return Err(where, "unknown key '" + k + "'");
      }
    }
    return Err(where,
               "expected exactly one of 'value', 'any', 'except', 'text', 'text_any', 'phrase'");
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
  if (k == "text" || k == "text_any" || k == "phrase") {
    c->kind = k == "text"       ? Condition::Kind::kMatchText
              : k == "text_any" ? Condition::Kind::kMatchTextAny
                                : Condition::Kind::kMatchPhrase;
    if (!v.is_string()) return Err(at, "expected a string, got " + TypeName(v));
    c->text = v.get<std::string>();
    return Status::Ok();
  }
  return Err(where, "unknown key '" + k + "'");
}

Status RangeFromJson(const Json& j, const std::string& where, Range* r) {
  if (!j.is_object()) return Err(where, "expected an object, got " + TypeName(j));
  bool numbers = false, strings = false;
  for (const auto& [k, v] : j.items()) {
    std::optional<double>* bound = k == "gt"    ? &r->gt
                                   : k == "gte" ? &r->gte
                                   : k == "lt"  ? &r->lt
                                   : k == "lte" ? &r->lte
                                                : nullptr;
    if (bound == nullptr) return Err(where, "unknown key '" + k + "'");
    if (v.is_null()) continue;
    if (v.is_string()) {
      std::optional<int64_t> t = internal::ParseDatetime(v.get_ref<const std::string&>());
      if (!t) {
        return Err(where + "." + k, "'" + v.get<std::string>() +
                                        "' is not an RFC 3339 date-time (e.g. "
                                        "2024-05-01T12:00:00Z)");
      }
      strings = true;
      *bound = static_cast<double>(*t);
      continue;
    }
    if (!v.is_number()) {
      return Err(where + "." + k, "expected a number or an RFC 3339 string, got " + TypeName(v));
    }
    double d = *internal::NumberAsDouble(v);
    if (!std::isfinite(d)) return Err(where + "." + k, "expected a finite number");
    numbers = true;
    *bound = d;
  }
  if (numbers && strings) return Err(where, "mixes numbers and date-time strings");
  r->datetime = strings;
  return Status::Ok();
}

Status ValuesCountFromJson(const Json& j, const std::string& where, Range* r) {
  if (!j.is_object()) return Err(where, "expected an object, got " + TypeName(j));
  for (const auto& [k, v] : j.items()) {
    std::optional<double>* bound = k == "gt"    ? &r->gt
                                   : k == "gte" ? &r->gte
                                   : k == "lt"  ? &r->lt
                                   : k == "lte" ? &r->lte
                                                : nullptr;
    if (bound == nullptr) return Err(where, "unknown key '" + k + "'");
    if (v.is_null()) continue;
    if (!v.is_number_unsigned()) {
      return Err(where + "." + k, "expected a non-negative integer, got " + TypeName(v));
    }
    *bound = static_cast<double>(v.get<uint64_t>());
  }
  return Status::Ok();
}

Status GeoPointFromJson(const Json& j, const std::string& where, GeoPoint* p) {
  if (!j.is_object()) return Err(where, "expected {\"lon\": .., \"lat\": ..}, got " + TypeName(j));
  bool lon = false, lat = false;
  for (const auto& [k, v] : j.items()) {
    if (k != "lon" && k != "lat") return Err(where, "unknown key '" + k + "'");
    if (!v.is_number()) return Err(where + "." + k, "expected a number, got " + TypeName(v));
    (k == "lon" ? p->lon : p->lat) = v.get<double>();
    (k == "lon" ? lon : lat) = true;
  }
  if (!lon || !lat) return Err(where, "needs both 'lon' and 'lat'");
  return Status::Ok();
}

Status LineFromJson(const Json& j, const std::string& where, std::vector<GeoPoint>* out) {
  if (!j.is_object()) return Err(where, "expected {\"points\": [..]}, got " + TypeName(j));
  for (const auto& [k, v] : j.items()) {
    if (k != "points") return Err(where, "unknown key '" + k + "'");
  }
  if (!j.contains("points") || !j["points"].is_array()) {
    return Err(where, "expected 'points', an array of {\"lon\", \"lat\"}");
  }
  const Json& pts = j["points"];
  for (size_t i = 0; i < pts.size(); ++i) {
    GeoPoint p;
    RAGDB_RETURN_IF_ERROR(
        GeoPointFromJson(pts[i], where + ".points[" + std::to_string(i) + "]", &p));
    out->push_back(p);
  }
  return Status::Ok();
}

// geo_radius / geo_bounding_box / geo_polygon bodies.
Status GeoFromJson(const std::string& name, const Json& j, const std::string& where, Condition* c) {
  if (!j.is_object()) return Err(where, "expected an object, got " + TypeName(j));
  GeoShape& g = c->geo;
  std::vector<std::string> required;
  if (name == "geo_radius") {
    c->kind = Condition::Kind::kGeoRadius;
    required = {"center", "radius"};
    for (const auto& [k, v] : j.items()) {
      if (k == "center") {
        RAGDB_RETURN_IF_ERROR(GeoPointFromJson(v, where + ".center", &g.center));
      } else if (k == "radius") {
        if (!v.is_number()) return Err(where + ".radius", "expected a number of meters");
        g.radius = v.get<double>();
      } else {
        return Err(where, "unknown key '" + k + "'");
      }
    }
  } else if (name == "geo_bounding_box") {
    c->kind = Condition::Kind::kGeoBoundingBox;
    required = {"top_left", "bottom_right"};
    for (const auto& [k, v] : j.items()) {
      if (k == "top_left") {
        RAGDB_RETURN_IF_ERROR(GeoPointFromJson(v, where + ".top_left", &g.top_left));
      } else if (k == "bottom_right") {
        RAGDB_RETURN_IF_ERROR(GeoPointFromJson(v, where + ".bottom_right", &g.bottom_right));
      } else {
        return Err(where, "unknown key '" + k + "'");
      }
    }
  } else {
    c->kind = Condition::Kind::kGeoPolygon;
    required = {"exterior"};
    for (const auto& [k, v] : j.items()) {
      if (k == "exterior") {
        RAGDB_RETURN_IF_ERROR(LineFromJson(v, where + ".exterior", &g.exterior));
      } else if (k == "interiors") {
        if (v.is_null()) continue;
        if (!v.is_array()) return Err(where + ".interiors", "expected an array of rings");
        for (size_t i = 0; i < v.size(); ++i) {
          g.interiors.emplace_back();
          RAGDB_RETURN_IF_ERROR(LineFromJson(v[i], where + ".interiors[" + std::to_string(i) + "]",
                                             &g.interiors.back()));
        }
      } else {
        return Err(where, "unknown key '" + k + "'");
      }
    }
  }
  for (const std::string& k : required) {
    if (!j.contains(k)) return Err(where, "missing '" + k + "'");
  }
  Status st = internal::ValidateGeoShape(c->kind, g);
  if (!st.ok()) return Err(where, st.message());
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

// Qdrant refuses has_id inside "nested": ids belong to points, not to array elements.
Status CheckNoHasId(const Filter& f, const std::string& where) {
  for (const auto* list : {&f.must, &f.should, &f.must_not, &f.min_should}) {
    for (const Condition& c : *list) {
      if (c.kind == Condition::Kind::kHasId) {
        return Err(where, "'has_id' cannot be used inside 'nested'");
      }
      if (c.kind == Condition::Kind::kNested && c.filter) {
        RAGDB_RETURN_IF_ERROR(CheckNoHasId(*c.filter, where));
      }
    }
  }
  return Status::Ok();
}

Result<Condition> ConditionFromJson(const Json& j, const std::string& where, int depth) {
  if (!j.is_object()) return Err(where, "expected a condition object, got " + TypeName(j));
  Condition c;
  if (j.contains("key")) {
    int kinds = 0;
    for (const auto& [k, v] : j.items()) {
      if (k == "key") {
        RAGDB_RETURN_IF_ERROR(KeyFromJson(v, where + ".key", &c.key));
        continue;
      }
      // Qdrant's field conditions carry null for the members they do not use.
      if (v.is_null()) continue;
      ++kinds;
      if (k == "match") {
        RAGDB_RETURN_IF_ERROR(MatchFromJson(v, where + ".match", &c));
      } else if (k == "range") {
        c.kind = Condition::Kind::kRange;
        RAGDB_RETURN_IF_ERROR(RangeFromJson(v, where + ".range", &c.range));
      } else if (k == "geo_bounding_box" || k == "geo_radius" || k == "geo_polygon") {
        RAGDB_RETURN_IF_ERROR(GeoFromJson(k, v, where + "." + k, &c));
      } else if (k == "values_count") {
        c.kind = Condition::Kind::kValuesCount;
        RAGDB_RETURN_IF_ERROR(ValuesCountFromJson(v, where + ".values_count", &c.range));
      } else if (k == "is_empty" || k == "is_null") {
        // {"key": "a", "is_empty": true}: Qdrant's other spelling of {"is_empty": {"key": "a"}}.
        if (!v.is_boolean() || !v.get<bool>()) {
          return Err(where + "." + k, "expected true (or leave it out)");
        }
        c.kind = k == "is_empty" ? Condition::Kind::kIsEmpty : Condition::Kind::kIsNull;
      } else {
        return Err(where, "unknown key '" + k + "'");
      }
    }
    if (kinds > 1) return Err(where, "a field condition takes exactly one kind of check");
    if (kinds == 0) {
      return Err(where,
                 "expected one of 'match', 'range', 'geo_radius', 'geo_bounding_box', "
                 "'geo_polygon', 'values_count', 'is_empty', 'is_null' with 'key'");
    }
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
    RAGDB_RETURN_IF_ERROR(only("nested"));
    const Json& n = j["nested"];
    const std::string at = where + ".nested";
    if (!n.is_object()) return Err(at, "expected {\"key\": .., \"filter\": ..}");
    for (const auto& [k, v] : n.items()) {
      if (k != "key" && k != "filter") return Err(at, "unknown key '" + k + "'");
    }
    if (!n.contains("key")) return Err(at, "missing 'key'");
    if (!n.contains("filter")) return Err(at, "missing 'filter'");
    RAGDB_RETURN_IF_ERROR(KeyFromJson(n["key"], at + ".key", &c.key));
    if (depth >= kMaxDepth) return Err(where, "filter nested too deeply");
    RAGDB_ASSIGN_OR_RETURN(Filter sub, FilterFromJson(n["filter"], at + ".filter", depth + 1));
    RAGDB_RETURN_IF_ERROR(CheckNoHasId(sub, at + ".filter"));
    c.kind = Condition::Kind::kNestedArray;
    c.filter = std::make_shared<const Filter>(std::move(sub));
    return c;
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
      if (v.is_null()) continue;
      const std::string at = where + ".min_should";
      if (!v.is_object()) return Err(at, "expected {\"conditions\": [..], \"min_count\": n}");
      for (const auto& [mk, mv] : v.items()) {
        if (mk != "conditions" && mk != "min_count") return Err(at, "unknown key '" + mk + "'");
      }
      if (!v.contains("conditions") || !v["conditions"].is_array()) {
        return Err(at, "expected 'conditions', an array of conditions");
      }
      if (!v.contains("min_count") || !v["min_count"].is_number_unsigned()) {
        return Err(at, "expected 'min_count', a non-negative integer");
      }
      RAGDB_RETURN_IF_ERROR(
          ClauseFromJson(v["conditions"], at + ".conditions", depth, &f.min_should));
      f.min_should_count = v["min_count"].get<size_t>();
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

Json PointJson(const GeoPoint& p) { return Json{{"lon", p.lon}, {"lat", p.lat}}; }

Json LineJson(const std::vector<GeoPoint>& ring) {
  Json pts = Json::array();
  for (const GeoPoint& p : ring) pts.push_back(PointJson(p));
  return Json{{"points", std::move(pts)}};
}

Json BoundsJson(const Range& range, bool integers) {
  Json r = Json::object();
  auto put = [&](const char* k, const std::optional<double>& v) {
    if (!v) return;
    if (range.datetime) {
      r[k] = internal::FormatDatetime(static_cast<int64_t>(*v));
    } else if (integers) {
      r[k] = static_cast<uint64_t>(*v);
    } else {
      r[k] = NumberJson(*v);
    }
  };
  put("gt", range.gt);
  put("gte", range.gte);
  put("lt", range.lt);
  put("lte", range.lte);
  return r;
}

Json ClauseToJson(const std::vector<Condition>& conds);

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
    case K::kMatchTextAny:
      return Json{{"key", c.key}, {"match", Json{{"text_any", c.text}}}};
    case K::kMatchPhrase:
      return Json{{"key", c.key}, {"match", Json{{"phrase", c.text}}}};
    case K::kRange:
      return Json{{"key", c.key}, {"range", BoundsJson(c.range, false)}};
    case K::kValuesCount:
      return Json{{"key", c.key}, {"values_count", BoundsJson(c.range, true)}};
    case K::kGeoRadius:
      return Json{
          {"key", c.key},
          {"geo_radius", Json{{"center", PointJson(c.geo.center)}, {"radius", c.geo.radius}}}};
    case K::kGeoBoundingBox:
      return Json{{"key", c.key},
                  {"geo_bounding_box", Json{{"top_left", PointJson(c.geo.top_left)},
                                            {"bottom_right", PointJson(c.geo.bottom_right)}}}};
    case K::kGeoPolygon: {
      Json g = Json{{"exterior", LineJson(c.geo.exterior)}};
      if (!c.geo.interiors.empty()) {
        Json holes = Json::array();
        for (const auto& r : c.geo.interiors) holes.push_back(LineJson(r));
        g["interiors"] = std::move(holes);
      }
      return Json{{"key", c.key}, {"geo_polygon", std::move(g)}};
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
    case K::kNestedArray:
      return Json{{"nested", Json{{"key", c.key},
                                  {"filter", c.filter ? c.filter->ToJson() : Json::object()}}}};
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
  if (!min_should.empty()) {
    j["min_should"] =
        Json{{"conditions", ClauseToJson(min_should)}, {"min_count", min_should_count}};
  }
  return j;
}

}  // namespace ragdb
