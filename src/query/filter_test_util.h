// Test helpers shared by the query tests: an in-memory FilterSource and random payloads/filters.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "query/filter_eval.h"
#include "query/payload/stored_index.h"

namespace ragdb::testing {

class VectorSource : public FilterSource {
 public:
  std::vector<Json> payloads;
  std::vector<PointId> ids;
  std::map<std::string, std::shared_ptr<const PayloadIndex>, std::less<>> indexes;
  mutable size_t payload_reads = 0;

  size_t rows() const override { return payloads.size(); }
  const PayloadIndex* index(std::string_view path) const override {
    auto it = indexes.find(path);
    return it == indexes.end() ? nullptr : it->second.get();
  }
  const Json& payload(size_t row) const override {
    ++payload_reads;
    return payloads[row];
  }
  PointId id(size_t row) const override { return ids[row]; }

  std::vector<const Json*> PayloadPointers() const {
    std::vector<const Json*> out;
    for (const Json& p : payloads) out.push_back(p.is_null() ? nullptr : &p);
    return out;
  }
};

// Random data over a small vocabulary so that conditions hit often, with every awkward shape:
// missing fields, null, [], mixed types, arrays, arrays of objects.
class RandomData {
 public:
  explicit RandomData(uint32_t seed) : rng_(seed) {}

  static const std::vector<std::string>& Paths() {
    static const std::vector<std::string> kPaths = {"cat",       "price",     "flag",   "items.k",
                                                    "items[].v", "meta.lang", "meta.n", "text",
                                                    "nope",      "loc",       "when",   "u"};
    return kPaths;
  }

  Json Payload() {
    if (Chance(0.03)) return Json();  // no payload at all
    Json p = Json::object();
    if (!Chance(0.15)) p["cat"] = Scalarish();
    if (!Chance(0.15)) p["price"] = Scalarish();
    if (!Chance(0.2)) p["flag"] = Chance(0.8) ? Json(Chance(0.5)) : Scalar();
    if (!Chance(0.3)) {
      Json items = Json::array();
      int n = Int(0, 3);
      for (int i = 0; i < n; ++i) {
        Json it = Json::object();
        if (!Chance(0.2)) it["k"] = Scalarish();
        if (!Chance(0.2)) it["v"] = Scalarish();
        items.push_back(it);
      }
      p["items"] = Chance(0.15) ? (items.empty() ? Json::object() : items[0]) : items;
    }
    if (!Chance(0.3)) {
      Json m = Json::object();
      if (!Chance(0.2)) m["lang"] = Scalarish();
      if (!Chance(0.2)) m["n"] = Scalarish();
      p["meta"] = Chance(0.1) ? Json::array({m, m}) : m;
    }
    if (!Chance(0.3)) {
      p["text"] = Chance(0.2)   ? Json::array({Text(), Text()})
                  : Chance(0.1) ? Scalar()
                                : Json(Text());
    }
    if (!Chance(0.3)) {
      p["loc"] = Chance(0.2)   ? Json::array({Point(), Point()})
                 : Chance(0.1) ? Scalarish()
                               : Point();
    }
    if (!Chance(0.3)) p["when"] = Chance(0.2) ? Json::array({When(), When()}) : When();
    if (!Chance(0.3)) p["u"] = Chance(0.2) ? Json::array({Uuid(), Uuid()}) : Uuid();
    return p;
  }

  // Points on a small grid around (10, 50), some exactly on shape edges, some invalid.
  Json Point() {
    if (Chance(0.05)) return Json{{"lon", 200}, {"lat", 0}};
    if (Chance(0.05)) return Json{{"lat", 50}};
    return Json{{"lon", 10 + Int(-4, 4) * 0.5}, {"lat", 50 + Int(-4, 4) * 0.5}};
  }
  Json When() {
    return Pick<Json>({"2024-01-01T00:00:00Z", "2024-01-01", "2024-03-05T10:30:00+02:00",
                       "2024-03-05 08:30:00", "2023-12-31T23:59:59.5Z", "not a date", 20240101,
                       "2024-02-30T00:00:00Z", Json()});
  }
  Json Uuid() {
    return Pick<Json>({"550e8400-e29b-41d4-a716-446655440000",
                       "550E8400-E29B-41D4-A716-446655440000",
                       "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "not-a-uuid", 7, Json()});
  }

  PointId Id(size_t row) {
    if (Chance(0.5)) return PointId(static_cast<uint64_t>(row));
    return PointId("id-" + std::to_string(row));
  }

  Filter RandomFilter(int depth = 0, bool allow_ids = true) {
    Filter f;
    int n = Int(0, depth == 0 ? 4 : 3);
    for (int i = 0; i < n; ++i) {
      Condition c = RandomCondition(depth, allow_ids);
      int clause = Int(0, 3);
      (clause == 0   ? f.must
       : clause == 1 ? f.should
       : clause == 2 ? f.must_not
                     : f.min_should)
          .push_back(std::move(c));
    }
    if (!f.min_should.empty()) f.min_should_count = static_cast<size_t>(Int(0, 2));
    return f;
  }

  Condition RandomCondition(int depth, bool allow_ids = true) {
    Condition c;
    c.key = Paths()[Int(0, static_cast<int>(Paths().size()) - 1)];
    int kind = Int(0, depth < 2 ? 18 : 16);
    if (!allow_ids && kind == 7) kind = 6;
    switch (kind) {
      case 0:
        c.kind = Condition::Kind::kMatch;
        c.values = {Scalar()};
        break;
      case 1:
      case 2: {
        c.kind = kind == 1 ? Condition::Kind::kMatchAny : Condition::Kind::kMatchExcept;
        int m = Int(0, 3);
        for (int i = 0; i < m; ++i) c.values.push_back(Chance(0.1) ? Json() : Scalar());
        break;
      }
      case 3:
        c.kind = Condition::Kind::kMatchText;
        c.text = Pick<std::string>({"hello", "World hello", "", "news", "foo-bar", "zzz"});
        break;
      case 4: {
        c.kind = Condition::Kind::kRange;
        auto bound = [&]() { return Int(-6, 6) + (Chance(0.3) ? 0.5 : 0.0); };
        if (Chance(0.4)) c.range.gt = bound();
        if (Chance(0.4)) c.range.gte = bound();
        if (Chance(0.4)) c.range.lt = bound();
        if (Chance(0.4)) c.range.lte = bound();
        break;
      }
      case 5:
        c.kind = Condition::Kind::kIsEmpty;
        break;
      case 6:
        c.kind = Condition::Kind::kIsNull;
        break;
      case 7:
        c.kind = Condition::Kind::kHasId;
        for (int i = 0; i < 3; ++i) c.ids.push_back(Id(static_cast<size_t>(Int(0, 40))));
        break;
      case 8:
        c.kind = Condition::Kind::kMatch;
        c.values = {Json(Pick<std::string>({"news", "tech", "en"}))};
        break;
      case 9:
      case 10:
        c.kind = kind == 9 ? Condition::Kind::kMatchTextAny : Condition::Kind::kMatchPhrase;
        c.text = Pick<std::string>({"hello", "world hello", "hello world", "", "the news", "zzz"});
        break;
      case 11: {
        c.kind = Condition::Kind::kRange;
        c.range.datetime = true;
        auto t = [&] {
          return Pick<double>({1704067200e6, 1709627400e6, 1704067199.5e6, 1704153600e6});
        };
        if (Chance(0.5)) c.range.gte = t();
        if (Chance(0.5)) c.range.lt = t();
        if (Chance(0.3)) c.range.gt = t();
        if (!c.range.gte && !c.range.lt && !c.range.gt) c.range.lte = t();  // JSON needs a bound
        break;
      }
      case 12:
        c.kind = Condition::Kind::kGeoRadius;
        c.geo.center = {10 + Int(-2, 2) * 0.5, 50 + Int(-2, 2) * 0.5};
        c.geo.radius = Pick<double>({0, 20000, 60000, 150000, 3e6});
        break;
      case 13:
        c.kind = Condition::Kind::kGeoBoundingBox;
        c.geo.top_left = {10 - Int(0, 2) * 0.5, 50 + Int(0, 2) * 0.5};
        c.geo.bottom_right = {10 + Int(0, 2) * 0.5, 50 - Int(0, 2) * 0.5};
        if (Chance(0.2)) std::swap(c.geo.top_left.lon, c.geo.bottom_right.lon);  // wraps
        break;
      case 14: {
        c.kind = Condition::Kind::kGeoPolygon;
        const double r = Int(1, 4) * 0.5;
        c.geo.exterior = {{10 - r, 50 - r}, {10 + r, 50 - r}, {10, 50 + r}, {10 - r, 50 - r}};
        if (Chance(0.4)) {
          c.geo.interiors = {{{9.9, 49.9}, {10.1, 49.9}, {10.1, 50.1}, {9.9, 50.1}, {9.9, 49.9}}};
        }
        break;
      }
      case 15:
        c.kind = Condition::Kind::kValuesCount;
        if (Chance(0.6)) c.range.gte = Int(0, 3);
        if (Chance(0.6)) c.range.lt = Int(0, 3);
        break;
      case 16:
        c.kind = Condition::Kind::kMatchAny;
        c.values = {Json("550e8400-e29b-41d4-a716-446655440000"),
                    Json("550E8400-E29B-41D4-A716-446655440000")};
        break;
      case 17:
        c.kind = Condition::Kind::kNestedArray;
        c.key = Pick<std::string>({"items", "meta", "items[]"});
        c.filter = std::make_shared<const Filter>(RandomNestedFilter());
        break;
      default:
        c.kind = Condition::Kind::kNested;
        c.filter = std::make_shared<const Filter>(RandomFilter(depth + 1, allow_ids));
        break;
    }
    return c;
  }

  // A filter over the fields of `items` / `meta` elements, for kNestedArray.
  Filter RandomNestedFilter() {
    Filter f;
    int n = Int(1, 3);
    for (int i = 0; i < n; ++i) {
      Condition c;
      c.key = Pick<std::string>({"k", "v", "lang", "n"});
      switch (Int(0, 3)) {
        case 0:
          c.kind = Condition::Kind::kMatch;
          c.values = {Scalar()};
          break;
        case 1:
          c.kind = Condition::Kind::kRange;
          c.range.gte = Int(-3, 3);
          break;
        case 2:
          c.kind = Condition::Kind::kIsEmpty;
          break;
        default:
          c.kind = Condition::Kind::kIsNull;
          break;
      }
      (Chance(0.7) ? f.must : f.must_not).push_back(std::move(c));
    }
    return f;
  }

  PayloadType RandomType() {
    return Pick<PayloadType>({PayloadType::kKeyword, PayloadType::kInteger, PayloadType::kFloat,
                              PayloadType::kBool, PayloadType::kText, PayloadType::kGeo,
                              PayloadType::kDatetime, PayloadType::kUuid});
  }

  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  T Pick(std::initializer_list<T> options) {
    return *(options.begin() + Int(0, static_cast<int>(options.size()) - 1));
  }

 private:
  Json Scalar() {
    switch (Int(0, 7)) {
      case 0:
        return Pick<std::string>({"news", "tech", "sports", "en", "de"});
      case 1:
        return Int(-5, 5);
      case 2:
        return Int(-5, 5) + 0.5;
      case 3:
        return static_cast<double>(Int(-5, 5));  // integral float: 2.0 == 2
      case 4:
        return Chance(0.5);
      case 5:
        return Json();
      case 6:
        return Pick<std::string>({"Hello World", "news of the world", "foo-bar baz"});
      default:
        return Chance(0.5) ? Json(uint64_t{18446744073709551615ull}) : Json(int64_t{1} << 60);
    }
  }
  Json Scalarish() {
    if (Chance(0.2)) {
      Json a = Json::array();
      int n = Int(0, 3);
      for (int i = 0; i < n; ++i) a.push_back(Scalar());
      return a;
    }
    if (Chance(0.03)) return Json::object({{"x", 1}});
    return Scalar();
  }
  std::string Text() {
    return Pick<std::string>({"Hello world", "hello", "WORLD news", "foo-bar", "", "the news"});
  }

  std::mt19937 rng_;
};

}  // namespace ragdb::testing
