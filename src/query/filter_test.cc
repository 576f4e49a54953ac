// Filter::Parse, Filter::FromJson and Filter::ToJson.
#include "ragdb/filter.h"

#include <gtest/gtest.h>

#include <string>

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
  EXPECT_EQ(ParseError("a < 'x'"), "column 5: expected a number after '<', got ''x''");
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
  EXPECT_EQ(JsonError(R"({"min_should": {"conditions": [], "min_count": 1}})"),
            "filter: 'min_should' is not supported");
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
            "filter.must[0]: expected 'match' or 'range' with 'key'");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "match": {"value": 1}, "range": {}}]})"),
            "filter.must[0]: 'match' and 'range' cannot be combined");
  EXPECT_EQ(
      JsonError(R"({"must": [{"key": "a", "match": {"value": [1]}}]})"),
      "filter.must[0].match.value: expected a string, integer, float, bool or null, got array");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "match": {"any": 1}}]})"),
            "filter.must[0].match.any: expected an array, got integer");
  EXPECT_EQ(
      JsonError(R"({"must": [{"key": "a", "match": {"any": [1, {}]}}]})"),
      "filter.must[0].match.any[1]: expected a string, integer, float, bool or null, got object");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "match": {"value": 1, "any": [1]}}]})"),
            "filter.must[0].match: expected exactly one of 'value', 'any', 'except', 'text'");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "match": {"text": 1}}]})"),
            "filter.must[0].match.text: expected a string, got integer");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "range": {"lt": "2024-01-01"}}]})"),
            "filter.must[0].range.lt: expected a number, got string (datetime ranges are not "
            "supported)");
  EXPECT_EQ(JsonError(R"({"must": [{"key": "a", "range": {"lessthan": 1}}]})"),
            "filter.must[0].range: unknown key 'lessthan'");
  EXPECT_EQ(JsonError(R"({"must_not": [{"is_empty": {"key": "a", "x": 1}}]})"),
            "filter.must_not[0].is_empty: unknown key 'x'");
  EXPECT_EQ(JsonError(R"({"must_not": [{"is_null": {}}]})"),
            "filter.must_not[0].is_null: missing 'key'");
  EXPECT_EQ(JsonError(R"({"must": [{"is_null": {"key": "a"}, "key": "b"}]})"),
            "filter.must[0]: unknown key 'is_null'");
  EXPECT_EQ(JsonError(R"({"must": [{"has_id": [1, -1]}]})"),
            "filter.must[0].has_id[1]: id must not be negative");
  EXPECT_EQ(JsonError(R"({"must": [{"has_id": [1], "x": 2}]})"),
            "filter.must[0]: unknown key 'x' beside 'has_id'");
  EXPECT_NE(
      JsonError(R"({"must": [{"nested": {"key": "a", "filter": {}}}]})").find("not supported"),
      std::string::npos);
  EXPECT_EQ(JsonError(R"({"must": [{"key": "g", "geo_radius": {}}]})"),
            "filter.must[0]: 'geo_radius' conditions are not supported");
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
