// Filter::Parse, Filter::FromJson and Filter::ToJson.
#include "ragdb/filter.h"

#include <gtest/gtest.h>

#include <string>

#include "query/filter_eval.h"
#include "query/filter_test_util.h"

namespace ragdb {
namespace {

Json J(const char* text) { return Json::parse(text); }

Json ParseToJson(std::string_view expr) {
  Result<Filter> f = Filter::Parse(expr);
  EXPECT_TRUE(f.ok()) << expr << ": " << f.status().ToString();
  return f.ok() ? f->ToJson() : Json();
}

std::string ParseError(std::string_view expr) {
  Result<Filter> f = Filter::Parse(expr);
  EXPECT_FALSE(f.ok()) << expr << " parsed to " << (f.ok() ? f->ToJson().dump() : "");
  if (!f.ok()) {
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  }
  return f.ok() ? "" : f.status().message();
}

std::string JsonError(const char* json) {
  Result<Filter> f = Filter::FromJson(J(json));
  EXPECT_FALSE(f.ok()) << json;
  if (!f.ok()) {
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  }
  return f.ok() ? "" : f.status().message();
}

TEST(FilterParseTest, HeaderExample) {
  EXPECT_EQ(ParseToJson(
                R"(cat == "news" and (price < 9.5 or tags in ["a", "b"]) and not exists(deleted))"),
            J(R"({"must": [{"key": "cat", "match": {"value": "news"}},
                           {"is_empty": {"key": "deleted"}}],
                  "should": [{"key": "price", "range": {"lt": 9.5}},
                             {"key": "tags", "match": {"any": ["a", "b"]}}]})"));
}

TEST(FilterParseTest, EveryOperator) {
  EXPECT_EQ(ParseToJson("a == 1"), J(R"({"must": [{"key": "a", "match": {"value": 1}}]})"));
  EXPECT_EQ(ParseToJson("a == 'x'"), J(R"({"must": [{"key": "a", "match": {"value": "x"}}]})"));
  EXPECT_EQ(ParseToJson("a == true"), J(R"({"must": [{"key": "a", "match": {"value": true}}]})"));
  EXPECT_EQ(ParseToJson("a == 2.5"), J(R"({"must": [{"key": "a", "match": {"value": 2.5}}]})"));
  EXPECT_EQ(ParseToJson("a == null"), J(R"({"must": [{"is_null": {"key": "a"}}]})"));
  EXPECT_EQ(ParseToJson("a != null"), J(R"({"must_not": [{"is_null": {"key": "a"}}]})"));
  EXPECT_EQ(ParseToJson("a != 'x'"), J(R"({"must_not": [{"key": "a", "match": {"value": "x"}}]})"));
  EXPECT_EQ(ParseToJson("a < 1"), J(R"({"must": [{"key": "a", "range": {"lt": 1}}]})"));
  EXPECT_EQ(ParseToJson("a <= 1"), J(R"({"must": [{"key": "a", "range": {"lte": 1}}]})"));
  EXPECT_EQ(ParseToJson("a > -1"), J(R"({"must": [{"key": "a", "range": {"gt": -1}}]})"));
  EXPECT_EQ(ParseToJson("a >= 1e3"), J(R"({"must": [{"key": "a", "range": {"gte": 1000}}]})"));
  EXPECT_EQ(ParseToJson("a in [1, 'b', false]"),
            J(R"({"must": [{"key": "a", "match": {"any": [1, "b", false]}}]})"));
  EXPECT_EQ(ParseToJson("a not in [1]"),
            J(R"({"must_not": [{"key": "a", "match": {"any": [1]}}]})"));
  EXPECT_EQ(ParseToJson("a in []"), J(R"({"must": [{"key": "a", "match": {"any": []}}]})"));
  EXPECT_EQ(ParseToJson("exists(a.b)"), J(R"({"must_not": [{"is_empty": {"key": "a.b"}}]})"));
  EXPECT_EQ(ParseToJson("id == 7"), J(R"({"must": [{"has_id": [7]}]})"));
  EXPECT_EQ(ParseToJson("id in [1, \"5f3c\"]"), J(R"({"must": [{"has_id": [1, "5f3c"]}]})"));
  EXPECT_EQ(ParseToJson("id != 1"), J(R"({"must_not": [{"has_id": [1]}]})"));
  EXPECT_EQ(ParseToJson("`id` < 3"), J(R"({"must": [{"key": "id", "range": {"lt": 3}}]})"));
  EXPECT_EQ(ParseToJson(""), J("{}"));
  EXPECT_EQ(ParseToJson("   "), J("{}"));
}

TEST(FilterParseTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(ParseToJson("a == TRUE AND b IN [1] Or NOT c == NULL"),
            ParseToJson("a == true and b in [1] or not c == null"));
}

TEST(FilterParseTest, PathsAndValues) {
  EXPECT_EQ(ParseToJson("a.b.c == 1"), J(R"({"must": [{"key": "a.b.c", "match": {"value": 1}}]})"));
  EXPECT_EQ(ParseToJson("items[].price > 1"),
            J(R"({"must": [{"key": "items[].price", "range": {"gt": 1}}]})"));
  EXPECT_EQ(ParseToJson("a[2].b == 1"),
            J(R"({"must": [{"key": "a[2].b", "match": {"value": 1}}]})"));
  EXPECT_EQ(ParseToJson("meta.`my key`.\"x.y\" == 1"),
            J(R"({"must": [{"key": "meta.my key.\"x.y\"", "match": {"value": 1}}]})"));
  EXPECT_EQ(ParseToJson("a.in.not == 1"),
            J(R"({"must": [{"key": "a.in.not", "match": {"value": 1}}]})"));
  EXPECT_EQ(ParseToJson("a.0 == 1"), J(R"({"must": [{"key": "a.0", "match": {"value": 1}}]})"));
  EXPECT_EQ(ParseToJson("my-field == -2.5e-1"),
            J(R"({"must": [{"key": "my-field", "match": {"value": -0.25}}]})"));
  EXPECT_EQ(ParseToJson(R"(s == "q\"\\\n\u00e9\ud83d\ude00")"),
            J(R"({"must": [{"key": "s", "match": {"value": "q\"\\\n\u00e9\ud83d\ude00"}}]})"));
  EXPECT_EQ(ParseToJson(R"(s == 'it\'s')"),
            J(R"({"must": [{"key": "s", "match": {"value": "it's"}}]})"));
  EXPECT_EQ(ParseToJson("n == 18446744073709551615"),
            J(R"({"must": [{"key": "n", "match": {"value": 18446744073709551615}}]})"));
  EXPECT_EQ(ParseToJson("n == -9223372036854775808"),
            J(R"({"must": [{"key": "n", "match": {"value": -9223372036854775808}}]})"));
}

TEST(FilterParseTest, Precedence) {
  // and binds tighter than or.
  EXPECT_EQ(ParseToJson("a == 1 or b == 2 and c == 3"),
            J(R"({"should": [{"key": "a", "match": {"value": 1}},
                             {"must": [{"key": "b", "match": {"value": 2}},
                                       {"key": "c", "match": {"value": 3}}]}]})"));
  // not binds tighter than and.
  EXPECT_EQ(ParseToJson("not a == 1 and b == 2"),
            J(R"({"must": [{"key": "b", "match": {"value": 2}}],
                  "must_not": [{"key": "a", "match": {"value": 1}}]})"));
  EXPECT_EQ(ParseToJson("not (a == 1 and b == 2)"),
            J(R"({"must_not": [{"must": [{"key": "a", "match": {"value": 1}},
                                         {"key": "b", "match": {"value": 2}}]}]})"));
  // De Morgan keeps "not (x or y)" flat; double negation cancels.
  EXPECT_EQ(ParseToJson("not (a == 1 or b == 2)"),
            J(R"({"must_not": [{"key": "a", "match": {"value": 1}},
                               {"key": "b", "match": {"value": 2}}]})"));
  EXPECT_EQ(ParseToJson("not not a == 1"), ParseToJson("a == 1"));
  EXPECT_EQ(ParseToJson("not exists(a)"), J(R"({"must": [{"is_empty": {"key": "a"}}]})"));
  // Chains flatten.
  EXPECT_EQ(ParseToJson("a == 1 and (b == 2 and c == 3) and d == 4")["must"].size(), 4u);
  EXPECT_EQ(ParseToJson("a == 1 or (b == 2 or c == 3)")["should"].size(), 3u);
  // A second or-group inside an and becomes a nested filter.
  EXPECT_EQ(
      ParseToJson("(a == 1 or b == 2) and (c == 3 or d == 4)"),
      J(R"({"should": [{"key": "a", "match": {"value": 1}}, {"key": "b", "match": {"value": 2}}],
                  "must": [{"should": [{"key": "c", "match": {"value": 3}},
                                       {"key": "d", "match": {"value": 4}}]}]})"));
  EXPECT_EQ(ParseToJson("((a == 1))"), ParseToJson("a == 1"));
}

TEST(FilterParseTest, ErrorsHaveColumns) {
  EXPECT_EQ(ParseError("cat == \"news\" and price =="),
            "column 27: expected a value after '==', got end of input");
  EXPECT_EQ(ParseError("price == and"), "column 10: expected a value after '==', got 'and'");
  EXPECT_EQ(ParseError("a == \"abc"), "column 6: unterminated string");
  EXPECT_EQ(ParseError("a == 'x\\q'"), "column 8: unknown escape '\\q' in string");
  EXPECT_EQ(ParseError("a == 1.2.3"), "column 6: bad number '1.2.3'");
  EXPECT_EQ(ParseError("a == 1e"), "column 6: bad number '1e'");
  EXPECT_EQ(ParseError("a == 12abc"), "column 6: bad number '12abc'");
  EXPECT_EQ(ParseError("a == 1e999"), "column 6: bad number '1e999': out of range");
  EXPECT_EQ(ParseError("a == 99999999999999999999"),
            "column 6: bad number '99999999999999999999': out of range");
  EXPECT_EQ(ParseError("a = 1"), "column 3: unknown operator '=' (use '==')");
  EXPECT_EQ(ParseError("a == 1 && b == 2"), "column 8: unknown operator '&&' (use 'and')");
  EXPECT_EQ(ParseError("a ~ 1"), "column 3: unexpected character '~'");
  EXPECT_EQ(ParseError("a == 1 b == 2"), "column 8: expected 'and', 'or' or end of input, got 'b'");
  EXPECT_EQ(ParseError("(a == 1"),
            "column 8: expected ')' to close '(' at column 1, got end of input");
  EXPECT_EQ(ParseError("a == 1)"), "column 7: unbalanced ')'");
  EXPECT_EQ(ParseError("a < 'x'"),
            "column 5: 'x' is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)");
  EXPECT_EQ(ParseError("a in 1"), "column 6: expected '[' after 'in', got '1'");
  EXPECT_EQ(ParseError("a in [1 2]"),
            "column 9: expected ',' or ']' in the list opened at column 6, got '2'");
  EXPECT_EQ(ParseError("a in [1,"), "column 9: expected ']' to close '[' at column 6");
  EXPECT_EQ(ParseError("a"),
            "column 2: expected an operator (==, !=, <, <=, >, >=, in, not in) after 'a', got "
            "end of input");
  EXPECT_EQ(ParseError("and == 1"), "column 1: expected a field path, got 'and'");
  EXPECT_EQ(ParseError("a. == 1"), "column 4: expected a field name, got '=='");
  EXPECT_EQ(ParseError("id < 3").substr(0, 42), "column 4: 'id' (the record id) supports on");
  EXPECT_EQ(ParseError("id == -1"), "column 7: id must not be negative");
  EXPECT_EQ(ParseError("exists(a"),
            "column 9: expected ')' to close 'exists(' at column 7, got "
            "end of input");
  EXPECT_EQ(ParseError("`a == 1"), "column 1: unterminated `name`");
  std::string deep(100, '(');
  EXPECT_NE(ParseError(deep + "a == 1" + std::string(100, ')')).find("nested too deeply"),
            std::string::npos);
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "not ";
  EXPECT_NE(ParseError(nots + "a == 1").find("nested too deeply"), std::string::npos);
}

TEST(FilterJsonTest, RoundTrip) {
  const char* docs[] = {
      R"({})",
      R"({"must": [{"key": "a", "match": {"value": "x"}}]})",
      R"({"should": [{"key": "a", "match": {"any": [1, 2]}}, {"key": "b", "match": {"except": ["q"]}}]})",
      R"({"must_not": [{"key": "t", "match": {"text": "hello world"}}, {"is_null": {"key": "n"}}]})",
      R"({"must": [{"key": "p", "range": {"gt": 1, "lte": 2.5}}, {"has_id": [1, "u"]},
                   {"must": [{"is_empty": {"key": "e"}}], "should": [{"key": "z", "match": {"value": null}}]}]})",
  };
  for (const char* d : docs) {
    Result<Filter> f = Filter::FromJson(J(d));
    ASSERT_TRUE(f.ok()) << d << ": " << f.status().ToString();
    EXPECT_EQ(f->ToJson(), J(d));
  }
}

TEST(FilterJsonTest, NewConditionsRoundTrip) {
  const char* docs[] = {
      R"({"must": [{"key": "t", "match": {"text_any": "a b"}}, {"key": "t", "match": {"phrase": "a b"}}]})",
      R"({"must": [{"key": "d", "range": {"gte": "2024-01-01T00:00:00Z", "lt": "2024-01-01T00:00:00.25Z"}}]})",
      R"({"must": [{"key": "g", "geo_radius": {"center": {"lon": 1.5, "lat": -2.0}, "radius": 100.0}}]})",
      R"({"must": [{"key": "g", "geo_bounding_box": {"top_left": {"lon": 170.0, "lat": 5.0},
                                                      "bottom_right": {"lon": -170.0, "lat": -5.0}}}]})",
      R"({"must": [{"key": "g", "geo_polygon": {"exterior": {"points": [{"lon": 0.0, "lat": 0.0},
          {"lon": 1.0, "lat": 0.0}, {"lon": 0.0, "lat": 1.0}, {"lon": 0.0, "lat": 0.0}]},
          "interiors": [{"points": [{"lon": 0.1, "lat": 0.1}, {"lon": 0.2, "lat": 0.1},
          {"lon": 0.1, "lat": 0.2}, {"lon": 0.1, "lat": 0.1}]}]}}]})",
      R"({"must": [{"key": "tags", "values_count": {"gt": 1, "lte": 3}}]})",
      R"({"must": [{"nested": {"key": "diet", "filter": {"must": [{"key": "food", "match": {"value": "meat"}}]}}}]})",
      R"({"min_should": {"conditions": [{"key": "a", "match": {"value": 1}}, {"is_null": {"key": "b"}}], "min_count": 1}})",
  };
  for (const char* d : docs) {
    Result<Filter> f = Filter::FromJson(J(d));
    ASSERT_TRUE(f.ok()) << d << ": " << f.status().ToString();
    EXPECT_EQ(f->ToJson(), J(d));
  }
  // Qdrant's FieldCondition spellings: null members and "is_empty": true beside a key.
  Result<Filter> f = Filter::FromJson(J(R"({"must": [{"key": "a", "match": null, "range": null,
      "geo_radius": null, "is_empty": true}]})"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->ToJson(), J(R"({"must": [{"is_empty": {"key": "a"}}]})"));
}

// Every filter the random generator makes survives JSON and back, and selects the same records.
TEST(FilterJsonTest, RandomFiltersRoundTrip) {
  testing::RandomData rd(5);
  std::vector<Json> payloads;
  for (int i = 0; i < 50; ++i) payloads.push_back(rd.Payload());
  for (int i = 0; i < 500; ++i) {
    Filter f = rd.RandomFilter();
    Result<Filter> back = Filter::FromJson(f.ToJson());
    ASSERT_TRUE(back.ok()) << f.ToJson().dump() << ": " << back.status().ToString();
    EXPECT_EQ(back->ToJson(), f.ToJson());
    for (size_t r = 0; r < payloads.size(); ++r) {
      const PointId id(static_cast<uint64_t>(r));
      ASSERT_EQ(Matches(*back, id, payloads[r]), Matches(f, id, payloads[r])) << f.ToJson().dump();
    }
  }
}

TEST(FilterParseTest, FunctionsAndDatetimes) {
  EXPECT_EQ(ParseToJson("created >= '2024-05-01T12:00:00+02:00' and created < '2024-06-01'"),
            J(R"({"must": [{"key": "created", "range": {"gte": "2024-05-01T10:00:00Z"}},
                           {"key": "created", "range": {"lt": "2024-06-01T00:00:00Z"}}]})"));
  EXPECT_EQ(ParseToJson("geo_radius(loc, 13.4, 52.5, 1000)"),
            J(R"({"must": [{"key": "loc", "geo_radius": {"center": {"lon": 13.4, "lat": 52.5},
                                                           "radius": 1000.0}}]})"));
  EXPECT_EQ(ParseToJson("geo_box(loc, 1, 2, 3, 0)"),
            J(R"({"must": [{"key": "loc", "geo_bounding_box": {"top_left": {"lon": 1.0, "lat": 2.0},
                                                "bottom_right": {"lon": 3.0, "lat": 0.0}}}]})"));
  EXPECT_EQ(
      ParseToJson("geo_polygon(loc, [[0, 0], [1, 0], [0, 1], [0, 0]])")["must"][0]["geo_polygon"]
                                                                       ["exterior"]["points"]
                                                                           .size(),
      4u);
  EXPECT_EQ(ParseToJson("text(t, 'a b') and text_any(t, 'c') and phrase(t, 'd e')"),
            J(R"({"must": [{"key": "t", "match": {"text": "a b"}},
                           {"key": "t", "match": {"text_any": "c"}},
                           {"key": "t", "match": {"phrase": "d e"}}]})"));
  EXPECT_EQ(ParseToJson("count(tags) >= 2"),
            J(R"({"must": [{"key": "tags", "values_count": {"gte": 2}}]})"));
  EXPECT_EQ(ParseToJson("count(tags) != 2"),
            J(R"({"must_not": [{"key": "tags", "values_count": {"gte": 2, "lte": 2}}]})"));
  EXPECT_EQ(ParseToJson("nested(diet, food == 'meat' and likes == true)"),
            J(R"({"must": [{"nested": {"key": "diet", "filter": {"must": [
                {"key": "food", "match": {"value": "meat"}},
                {"key": "likes", "match": {"value": true}}]}}}]})"));
  EXPECT_EQ(ParseToJson("min_should(2, a == 1, b == 2, c == 3)"),
            J(R"({"must": [{"min_should": {"conditions": [{"key": "a", "match": {"value": 1}},
                {"key": "b", "match": {"value": 2}}, {"key": "c", "match": {"value": 3}}],
                "min_count": 2}}]})"));
  EXPECT_EQ(ParseToJson("is_empty(a) and is_null(b)"),
            J(R"({"must": [{"is_empty": {"key": "a"}}, {"is_null": {"key": "b"}}]})"));
  // Function names are still field names where no '(' follows.
  EXPECT_EQ(ParseToJson("text == 'x' and count > 2"),
            J(R"({"must": [{"key": "text", "match": {"value": "x"}},
                           {"key": "count", "range": {"gt": 2}}]})"));
  EXPECT_EQ(ParseError("geo_radius(loc, 1, 95, 10)"),
            "column 1: geo_radius: center: lon must be in -180..180 and lat in -90..90");
  EXPECT_EQ(ParseError("geo_radius(loc, 1, 2)"),
            "column 21: expected ',' in the call opened at column 11, got ')'");
  EXPECT_EQ(ParseError("text(t, 3)"),
            "column 9: expected the words to find (a quoted string), got '3'");
  EXPECT_EQ(ParseError("count(t) == 1.5"), "column 13: a count is a non-negative integer");
  EXPECT_EQ(ParseError("nested(d, id == 3)"),
            "column 7: 'id' conditions cannot be used inside nested(...)");
  EXPECT_EQ(ParseError("created > '2024-02-30'"),
            "column 11: '2024-02-30' is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)");
  EXPECT_EQ(ParseError("min_should(1)"), "column 13: min_should needs at least one condition");
}

TEST(FilterJsonTest, AcceptsQdrantVariants) {
  // A single condition in place of a list, and null clauses.
  Result<Filter> f = Filter::FromJson(
      J(R"({"must": {"key": "a", "match": {"value": 1}}, "should": null, "must_not": []})"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->ToJson(), J(R"({"must": [{"key": "a", "match": {"value": 1}}]})"));
  // An empty object as a condition is an empty sub-filter.
  f = Filter::FromJson(J(R"({"must": [{}]})"));
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->must.size(), 1u);
  EXPECT_EQ(f->must[0].kind, Condition::Kind::kNested);
  // Range bounds may be null.
  f = Filter::FromJson(J(R"({"must": [{"key": "a", "range": {"gt": null, "lt": 3}}]})"));
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->must[0].range.gt.has_value());
  EXPECT_EQ(f->must[0].range.lt, 3.0);
}

TEST(FilterJsonTest, StrictErrorsNamePaths) {
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "match": {"value": 1}},
                                   {"key": "b", "match": {"valu": 1}}]})"),
            "filter.must[1].match: unknown key 'valu'");
  EXPECT_EQ(JsonError(R"({"must": [], "shuold": []})"), "filter: unknown key 'shuold'");
  EXPECT_EQ(JsonError(R"({"min_should": {"conditions": [], "count": 1}})"),
            "filter.min_should: unknown key 'count'");
  EXPECT_EQ(JsonError(R"({"min_should": {"conditions": [], "min_count": -1}})"),
            "filter.min_should: expected 'min_count', a non-negative integer");
  EXPECT_EQ(JsonError(R"([])"), "filter: expected an object, got array");
  EXPECT_EQ(JsonError(R"({"must": 3})"),
            "filter.must: expected an array of conditions or one condition, got integer");
  EXPECT_EQ(JsonError(R"({"must": [3]})"),
            "filter.must[0]: expected a condition object, got integer");
  EXPECT_EQ(JsonError(R"({"must": [{"key": 1, "match": {"value": 1}}]})"),
            "filter.must[0].key: expected a string, got integer");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a..b", "match": {"value": 1}}]})"),
            "filter.must[0].key: bad path 'a..b': empty name at offset 2");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a"}]})"),
            "filter.must[0]: expected one of 'match', 'range', 'geo_radius', "
            "'geo_bounding_box', 'geo_polygon', 'values_count', 'is_empty', 'is_null' with 'key'");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "match": {"value": 1}, "range": {}}]})"),
            "filter.must[0]: a field condition takes exactly one kind of check");
  EXPECT_EQ(
      JsonError(R"({"must": [{"key": "a", "match": {"value": [1]}}]})"),
      "filter.must[0].match.value: expected a string, integer, float, bool or null, got array");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "match": {"any": 1}}]})"),
            "filter.must[0].match.any: expected an array, got integer");
  EXPECT_EQ(
      JsonError(R"({"must": [{"key": "a", "match": {"any": [1, {}]}}]})"),
      "filter.must[0].match.any[1]: expected a string, integer, float, bool or null, got object");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "match": {"value": 1, "any": [1]}}]})"),
            "filter.must[0].match: expected exactly one of 'value', 'any', 'except', 'text', "
            "'text_any', 'phrase'");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "match": {"text": 1}}]})"),
            "filter.must[0].match.text: expected a string, got integer");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "range": {"lt": "2024-13-01"}}]})"),
            "filter.must[0].range.lt: '2024-13-01' is not an RFC 3339 date-time (e.g. "
            "2024-05-01T12:00:00Z)");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "range": {"lt": "2024-01-01", "gt": 3}}]})"),
            "filter.must[0].range: mixes numbers and date-time strings");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "values_count": {"gt": 1.5}}]})"),
            "filter.must[0].values_count.gt: expected a non-negative integer, got float");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "is_empty": false}]})"),
            "filter.must[0].is_empty: expected true (or leave it out)");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "range": {"lessthan": 1}}]})"),
            "filter.must[0].range: unknown key 'lessthan'");
  EXPECT_EQ(JsonError(R"({"must_not": [{"is_empty": {"key": "a", "x": 1}}]})"),
            "filter.must_not[0].is_empty: unknown key 'x'");
  EXPECT_EQ(JsonError(R"({"must_not": [{"is_null": {}}]})"),
            "filter.must_not[0].is_null: missing 'key'");
  EXPECT_EQ(JsonError(R"({"must": [{"is_null": {"key": "a"}, "key": "b"}]})"),
            "filter.must[0].is_null: expected true (or leave it out)");
  EXPECT_EQ(JsonError(R"({"must": [{"has_id": [1, -1]}]})"),
            "filter.must[0].has_id[1]: id must not be negative");
  // Ids from a Json built in C++ (signed integers) read as the parsed ones do.
  Json built = {{"must", {{{"has_id", {3, 200}}}}}};
  auto from_built = Filter::FromJson(built);
  ASSERT_TRUE(from_built.ok()) << from_built.status().ToString();
  EXPECT_EQ(*from_built,
            Filter::FromJson(Json::parse(R"({"must": [{"has_id": [3, 200]}]})")).value());
  EXPECT_EQ(JsonError(R"({"must": [{"has_id": [1], "x": 2}]})"),
            "filter.must[0]: unknown key 'x' beside 'has_id'");
  EXPECT_EQ(JsonError(R"({"must": [{"nested": {"key": "a"}}]})"),
            "filter.must[0].nested: missing 'filter'");
  EXPECT_EQ(
      JsonError(R"({"must": [{"nested": {"key": "a", "filter": {"must": {"has_id": [1]}}}}]})"),
      "filter.must[0].nested.filter: 'has_id' cannot be used inside 'nested'");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "g", "geo_radius": {}}]})"),
            "filter.must[0].geo_radius: missing 'center'");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "g", "geo_radius": {"center": {"lon": 1, "lat": 91},
                                                             "radius": 5}}]})"),
            "filter.must[0].geo_radius: center: lon must be in -180..180 and lat in -90..90");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "g", "geo_radius": {"center": {"lon": 1, "lat": 2},
                                                             "radius": -5}}]})"),
            "filter.must[0].geo_radius: radius must be a finite number of meters >= 0");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "g", "geo_polygon": {"exterior": {"points": [
                {"lon": 0, "lat": 0}, {"lon": 1, "lat": 0}, {"lon": 0, "lat": 1}]}}}]})"),
            "filter.must[0].geo_polygon: exterior: a ring needs at least 4 points");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "g", "geo_polygon": {"exterior": {"points": [
                {"lon": 0, "lat": 0}, {"lon": 1, "lat": 0}, {"lon": 0, "lat": 1},
                {"lon": 1, "lat": 1}]}}}]})"),
            "filter.must[0].geo_polygon: exterior: a ring must end with its first point");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "g", "geo_bounding_box": {
                "top_left": {"lon": 0, "lat": 0}, "bottom_right": {"lon": 1}}}]})"),
            "filter.must[0].geo_bounding_box.bottom_right: needs both 'lon' and 'lat'");
  EXPECT_EQ(JsonError(R"({"must": [{"has_vector": "v"}]})"),
            "filter.must[0]: 'has_vector' conditions are not supported");
  EXPECT_EQ(JsonError(R"({"should": [{"must": [{"valu": 1}]}]})"),
            "filter.should[0].must[0]: unknown key 'valu'");
}

TEST(FilterJsonTest, ParsedExpressionsRoundTripThroughJson) {
  const char* exprs[] = {
      "a == 1 and (b < 2 or c in ['x']) and not exists(d)",
      "not (a == 1 and b != 2) or id in [3, 'x']",
      "x.y[].z >= -1.5 and w == null and v != false",
  };
  for (const char* e : exprs) {
    Result<Filter> f = Filter::Parse(e);
    ASSERT_TRUE(f.ok()) << e;
    Result<Filter> back = Filter::FromJson(f->ToJson());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->ToJson(), f->ToJson());
  }
}

}  // namespace
}  // namespace ragdb

namespace ragdb {
namespace {

// Batched searches share work only when their filters are equal: equality is by value, nested
// filters included, and any difference in kind, key, values or range tells them apart.
TEST(FilterEquality, ComparesByValueIncludingNestedFilters) {
  const char* e = "cat == \"a\" and (price < 9.5 or tags in [\"x\", \"y\"]) and not exists(gone)";
  EXPECT_EQ(*Filter::Parse(e), *Filter::Parse(e));
  EXPECT_EQ(*Filter::Parse(e), *Filter::FromJson(Filter::Parse(e)->ToJson()));
  for (const char* other :
       {"cat == \"b\" and (price < 9.5 or tags in [\"x\", \"y\"]) and not exists(gone)",
        "cat == \"a\" and (price <= 9.5 or tags in [\"x\", \"y\"]) and not exists(gone)",
        "cat == \"a\" and (price < 9.5 or tags in [\"x\"]) and not exists(gone)",
        "cat == \"a\" and (price < 9.5 or tags in [\"x\", \"y\"]) and not exists(went)",
        "cat == \"a\""}) {
    EXPECT_FALSE(*Filter::Parse(e) == *Filter::Parse(other)) << other;
  }
}

}  // namespace
}  // namespace ragdb
