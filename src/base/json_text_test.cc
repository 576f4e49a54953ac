#include "base/json_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace ragdb {
namespace {

// Equal values with equal types all the way down (nlohmann's == calls 1u and 1 equal), and
// doubles equal to the bit.
bool SameTyped(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
        if (it.key() != jt.key() || !SameTyped(*it, *jt)) return false;
      }
      return true;
    }
    case Json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!SameTyped(a[i], b[i])) return false;
      }
      return true;
    }
    case Json::value_t::number_float: {
      double x = a.get<double>(), y = b.get<double>();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    default:
      return a == b;
  }
}

// Our reader against nlohmann's parser on one text: the same verdict, and the same value.
void ExpectSameAsNlohmann(const std::string& text) {
  Json want = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  bool want_ok = !want.is_discarded();
  auto got = ReadJson(text);
  ASSERT_EQ(got.ok(), want_ok) << "text: " << text
                               << (got.ok() ? "" : "\nours: " + got.status().ToString());
  if (want_ok) {
    EXPECT_TRUE(SameTyped(*got, want)) << "text: " << text << "\nours: " << got->dump();
  }
}

TEST(JsonReader, ValidDocumentsMatchNlohmann) {
  for (const char* t :
       {"{}",
        "[]",
        "0",
        "-0",
        "1",
        "-1",
        "0.0",
        "-0.0",
        "1e5",
        "1E+5",
        "1e-5",
        "2.5e-3",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "1e308",
        "1e-400",
        "4.9e-324",
        "2.2250738585072011e-308",
        "0.1",
        "3.141592653589793238462643383279",
        "true",
        "false",
        "null",
        "\"\"",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u0000\\u00e9\\u4e2d\\ud83d\\ude00\"",
        "\"h\xC3\xA9llo \xE4\xB8\xAD \xF0\x9F\x98\x80\"",
        " \t\r\n{ \"a\" : [ 1 , 2.5 , -3 , \"x\" , null , true , false , { } , [ ] ] } \n",
        "{\"a\":1,\"a\":2}",
        "{\"b\":1,\"a\":{\"c\":[{\"d\":[]}]}}",
        "\xEF\xBB\xBF{\"bom\":1}",
        "{\"vector\":[0.1234,-0.5,1e-3,-7E2],\"limit\":10,\"with_payload\":true}"}) {
    ExpectSameAsNlohmann(t);
  }
}

TEST(JsonReader, InvalidDocumentsAreRefused) {
  for (const char* t : {"",
                        " ",
                        "{",
                        "}",
                        "[",
                        "]",
                        "[1,]",
                        "{\"a\":1,}",
                        "{\"a\" 1}",
                        "{a:1}",
                        "{1:1}",
                        "[1 2]",
                        "01",
                        "-",
                        "1.",
                        ".5",
                        "1e",
                        "1e+",
                        "+1",
                        "0x10",
                        "NaN",
                        "Infinity",
                        "-Infinity",
                        "1e400",
                        "-1e400",
                        "tru",
                        "nul",
                        "falsey",
                        "\"abc",
                        "\"a\\x\"",
                        "\"\\u12\"",
                        "\"\\u12G4\"",
                        "\"\\ud800\"",
                        "\"\\ud800\\u0041\"",
                        "\"\\udc00\"",
                        "\"a\nb\"",
                        "\"\x80\"",
                        "\"\xC0\xAF\"",
                        "\"\xED\xA0\x80\"",
                        "\"\xF4\x90\x80\x80\"",
                        "\"\xE4\xB8\"",
                        "{} {}",
                        "[] x",
                        "// c\n{}",
                        "/* c */ {}",
                        "{\"a\":1}garbage",
                        "\xEF\xBB{}"}) {
    ExpectSameAsNlohmann(t);
    EXPECT_FALSE(ReadJson(t).ok()) << t;
  }
}

TEST(JsonReader, ErrorsNameLineColumnAndProblem) {
  auto r = ReadJson("{\n  \"a\": [1, 2\n  3]\n}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "syntax error at line 3, column 3: expected ',' or ']' in an array");
  r = ReadJson("[1e999]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "syntax error at line 1, column 2: number 1e999 is out of range");
}

TEST(JsonReader, RefusesNestingBeyondTheLimit) {
  auto nest = [](int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += i % 2 ? "{\"k\":" : "[";
    s += "1";
    for (int i = depth - 1; i >= 0; --i) s += i % 2 ? "}" : "]";
    return s;
  };
  EXPECT_TRUE(ReadJson(nest(128)).ok());
  auto r = ReadJson(nest(129));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested deeper than 128 levels"), std::string::npos);
  EXPECT_TRUE(ReadJson(nest(10), 10).ok());
  EXPECT_FALSE(ReadJson(nest(11), 10).ok());
  // A million open brackets fail at the limit instead of exhausting the stack.
  EXPECT_FALSE(ReadJson(std::string(1000000, '[')).ok());
}

// Random documents written with the variety a hand-written or foreign client sends: spacing,
// escapes, non-ASCII text, numbers of every shape.
class DocWriter {
 public:
  explicit DocWriter(uint32_t seed) : rng_(seed) {}

  std::string Doc() {
    std::string s;
    Value(&s, 0);
    return s;
  }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  void Space(std::string* s) {
    static const char* kSpaces[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
    *s += kSpaces[Pick(7)];
  }
  void Number(std::string* s) {
    static const char* kFixed[] = {"0",
                                   "-0",
                                   "0.0",
                                   "1e-400",
                                   "1e308",
                                   "18446744073709551615",
                                   "18446744073709551616",
                                   "-9223372036854775808",
                                   "-9223372036854775809",
                                   "4.9e-324",
                                   "1E+2",
                                   "-1e-2"};
    switch (Pick(4)) {
      case 0:
        *s += kFixed[Pick(12)];
        break;
      case 1:
        *s += std::to_string(int64_t(rng_()) - int64_t(rng_()));
        break;
      case 2: {
        char buf[64];
        double v = std::uniform_real_distribution<double>(-1, 1)(rng_);
        snprintf(buf, sizeof buf, "%.*g", int(1 + Pick(17)), v);
        *s += buf;
        break;
      }
      default: {
        char buf[64];
        snprintf(buf, sizeof buf, "%.*e", int(Pick(17)),
                 std::uniform_real_distribution<double>(-1e6, 1e6)(rng_) *
                     std::pow(10.0, double(int(Pick(600)) - 300)));
        *s += buf;
      }
    }
  }
  void String(std::string* s) {
    static const char* kPieces[] = {"a",        "key",          " ",
                                    "\\\"",     "\\\\",         "\\/",
                                    "\\n",      "\\t",          "\\u0041",
                                    "\\u00e9",  "\\u4e2d",      "\\ud83d\\ude00",
                                    "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80",
                                    "\\u0000",  "\\b\\f\\r"};
    *s += '"';
    for (size_t i = Pick(6); i > 0; --i) *s += kPieces[Pick(17)];
    *s += '"';
  }
  void Value(std::string* s, int depth) {
    Space(s);
    size_t kind = depth > 5 ? 2 + Pick(4) : Pick(6);
    switch (kind) {
      case 0: {
        *s += '{';
        for (size_t i = 0, n = Pick(5); i < n; ++i) {
          if (i) *s += ',';
          Space(s);
          String(s);
          Space(s);
          *s += ':';
          Value(s, depth + 1);
        }
        Space(s);
        *s += '}';
        break;
      }
      case 1: {
        *s += '[';
        for (size_t i = 0, n = Pick(6); i < n; ++i) {
          if (i) *s += ',';
          Value(s, depth + 1);
        }
        Space(s);
        *s += ']';
        break;
      }
      case 2:
        String(s);
        break;
      case 3:
      case 4:
        Number(s);
        break;
      default:
        *s += std::vector<const char*>{"true", "false", "null"}[Pick(3)];
    }
    Space(s);
  }
  std::mt19937 rng_;
};

TEST(JsonReader, RandomDocumentsMatchNlohmann) {
  DocWriter w(7);
  for (int i = 0; i < 3000; ++i) ExpectSameAsNlohmann(w.Doc());
}

// Every prefix and random byte damage of valid documents: both readers agree on each.
TEST(JsonReader, TruncatedAndDamagedDocumentsMatchNlohmann) {
  DocWriter w(11);
  std::mt19937 rng(5);
  const char kBytes[] = "{}[]\",:\\-+.eE0159 \nxu\x80\xC3\xFF";
  for (int i = 0; i < 300; ++i) {
    std::string doc = w.Doc();
    for (size_t n = 0; n < doc.size(); ++n) ExpectSameAsNlohmann(doc.substr(0, n));
    for (int k = 0; k < 20 && !doc.empty(); ++k) {
      std::string bad = doc;
      bad[rng() % bad.size()] = kBytes[rng() % (sizeof kBytes - 1)];
      ExpectSameAsNlohmann(bad);
    }
  }
}

TEST(JsonText, WriteJsonIsCompactAndReplacesInvalidUtf8) {
  EXPECT_EQ(WriteJson(Json{{"a", {1, 2.5, "x"}}}), R"({"a":[1,2.5,"x"]})");
  // nlohmann's plain dump() throws on this; user text must not take a response down.
  EXPECT_EQ(WriteJson(Json("ab\xff")), "\"ab\xEF\xBF\xBD\"");
}

TEST(JsonText, NumbersReadBackExactlyAsFloats) {
  auto text = [](double v) {
    std::string s;
    AppendJsonNumber(v, &s);
    return s;
  };
  EXPECT_EQ(text(100.0), "100.0");
  EXPECT_EQ(text(-0.0), "-0.0");
  EXPECT_EQ(text(0.5), "0.5");
  EXPECT_EQ(text(1e-5), "1e-05");
  EXPECT_EQ(text(1e300), "1e+300");
  EXPECT_EQ(text(std::nan("")), "null");
  EXPECT_EQ(text(-INFINITY), "null");
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (i % 2) v = double(float(std::uniform_real_distribution<double>(-2, 2)(rng)));  // scores
    if (!std::isfinite(v)) continue;
    auto back = ReadJson(text(v));
    ASSERT_TRUE(back.ok()) << text(v);
    ASSERT_TRUE(back->is_number_float()) << text(v);
    double w = back->get<double>();
    ASSERT_EQ(std::memcmp(&v, &w, sizeof v), 0) << text(v);
  }
  std::string f;
  AppendJsonNumber(0.34176218509674072f, &f);
  EXPECT_EQ(f, "0.34176219");
  for (int i = 0; i < 20000; ++i) {
    float v = float(std::uniform_real_distribution<double>(-2, 2)(rng));
    std::string s;
    AppendJsonNumber(v, &s);
    auto back = ReadJson(s);
    ASSERT_TRUE(back.ok() && back->is_number_float()) << s;
    ASSERT_EQ(float(back->get<double>()), v) << s;
  }
}

}  // namespace
}  // namespace ragdb
