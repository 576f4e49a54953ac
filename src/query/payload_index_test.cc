// PayloadIndex: lookups per type, other rows, serialization and corruption handling.
#include "query/payload_index.h"

#include <gtest/gtest.h>

#include "query/filter_eval.h"
#include "query/filter_test_util.h"

namespace ragdb {
namespace {

std::vector<Json> Docs(const char* json_array) {
  std::vector<Json> out;
  for (const Json& j : Json::parse(json_array)) out.push_back(j);
  return out;
}

std::vector<const Json*> Ptrs(const std::vector<Json>& docs) {
  std::vector<const Json*> out;
  for (const Json& d : docs) out.push_back(&d);
  return out;
}

std::vector<size_t> Rows(const std::optional<Bitset>& b) {
  std::vector<size_t> out;
  if (b) b->ForEach([&](size_t r) { out.push_back(r); });
  return out;
}

Condition RangeCond(const char* key, double gte, double lt) {
  Condition c;
  c.kind = Condition::Kind::kRange;
  c.key = key;
  c.range.gte = gte;
  c.range.lt = lt;
  return c;
}

Condition Cond(const char* expr) {
  Result<Filter> f = Filter::Parse(expr);
  EXPECT_TRUE(f.ok());
  return f->must.empty() ? f->must_not.at(0) : f->must.at(0);
}

TEST(PayloadIndexTest, KeywordLookups) {
  std::vector<Json> docs = Docs(R"([{"c": "a"}, {"c": ["a", "b"]}, {"c": null}, {}, {"c": []},
                                    {"c": 5}, {"c": "B c"}, {"x": 1}])");
  PayloadIndex idx = *PayloadIndex::Build("c", PayloadType::kKeyword, Ptrs(docs));
  EXPECT_EQ(idx.rows(), 8u);
  EXPECT_EQ(idx.other_rows(), std::vector<uint32_t>{5});
  EXPECT_EQ(Rows(idx.Lookup(Cond("c == 'a'"), 8)), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(Rows(idx.Lookup(Cond("c in ['b', 'zz', 3]"), 8)), (std::vector<size_t>{1}));
  EXPECT_EQ(Rows(idx.Lookup(Cond("c == null"), 8)), (std::vector<size_t>{2}));
  EXPECT_EQ(Rows(idx.Lookup(Cond("exists(c)"), 8)), (std::vector<size_t>{2, 3, 4, 7}));  // is_empty
  EXPECT_EQ(Rows(idx.Lookup(Cond("c > 1"), 8)), std::vector<size_t>{});
  Condition text;
  text.kind = Condition::Kind::kMatchText;
  text.key = "c";
  text.text = "C";
  EXPECT_EQ(Rows(idx.Lookup(text, 8)), (std::vector<size_t>{6}));
  Condition except = Cond("c == 'a'");
  except.kind = Condition::Kind::kMatchExcept;
  EXPECT_EQ(Rows(idx.Lookup(except, 8)), (std::vector<size_t>{2, 4, 5, 6}));  // 5 is re-checked
  EXPECT_FALSE(idx.Lookup(Cond("id == 3"), 8).has_value());
  EXPECT_FALSE(idx.Lookup(Cond("c in ['a', null]"), 8).has_value());
  EXPECT_FALSE(idx.Lookup(Cond("c == 'a'"), 9).has_value());  // wrong row count
  EXPECT_EQ(idx.EstimateCount(Cond("c == 'a'")), 3u);         // 2 + one other row
}

TEST(PayloadIndexTest, NumericAndBoolLookups) {
  std::vector<Json> docs = Docs(R"([{"n": 1}, {"n": 2.0}, {"n": 2.5}, {"n": [3, -1]},
                                    {"n": 9007199254740993}, {"n": true}, {"n": "7"}])");
  PayloadIndex ints = *PayloadIndex::Build("n", PayloadType::kInteger, Ptrs(docs));
  EXPECT_EQ(ints.other_rows(), (std::vector<uint32_t>{2, 5, 6}));
  EXPECT_EQ(Rows(ints.Lookup(Cond("n == 2"), 7)), (std::vector<size_t>{1}));
  EXPECT_EQ(Rows(ints.Lookup(Cond("n == 2.0"), 7)), (std::vector<size_t>{1}));
  EXPECT_EQ(Rows(ints.Lookup(Cond("n == 9007199254740993"), 7)), (std::vector<size_t>{4}));
  EXPECT_EQ(Rows(ints.Lookup(RangeCond("n", 0, 3), 7)), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(Rows(ints.Lookup(Cond("n < 0"), 7)), (std::vector<size_t>{3}));

  PayloadIndex floats = *PayloadIndex::Build("n", PayloadType::kFloat, Ptrs(docs));
  EXPECT_EQ(floats.other_rows(), (std::vector<uint32_t>{4, 5, 6}));  // 2^53+1 is not a double
  EXPECT_EQ(Rows(floats.Lookup(Cond("n == 2"), 7)), (std::vector<size_t>{1}));
  EXPECT_EQ(Rows(floats.Lookup(Cond("n > 2"), 7)), (std::vector<size_t>{2, 3}));
  EXPECT_EQ(Rows(floats.Lookup(Cond("n == 9007199254740993"), 7)), std::vector<size_t>{});

  PayloadIndex bools = *PayloadIndex::Build("n", PayloadType::kBool, Ptrs(docs));
  EXPECT_EQ(Rows(bools.Lookup(Cond("n == true"), 7)), (std::vector<size_t>{5}));
  EXPECT_EQ(Rows(bools.Lookup(Cond("n == false"), 7)), std::vector<size_t>{});
  EXPECT_EQ(bools.other_rows().size(), 6u);
}

TEST(PayloadIndexTest, TextIndex) {
  std::vector<Json> docs = Docs(R"([{"t": "Hello World"}, {"t": "hello there"},
                                    {"t": ["hello", "world"]}, {"t": 3}, {}])");
  PayloadIndex idx = *PayloadIndex::Build("t", PayloadType::kText, Ptrs(docs));
  EXPECT_EQ(idx.other_rows(), (std::vector<uint32_t>{2, 3}));
  Condition c;
  c.kind = Condition::Kind::kMatchText;
  c.key = "t";
  c.text = "WORLD, hello!";
  EXPECT_EQ(Rows(idx.Lookup(c, 5)), (std::vector<size_t>{0}));
  c.text = "hello";
  EXPECT_EQ(Rows(idx.Lookup(c, 5)), (std::vector<size_t>{0, 1}));
  c.text = "  ";
  EXPECT_FALSE(idx.Lookup(c, 5).has_value());
  EXPECT_FALSE(idx.Lookup(Cond("t == 'hello'"), 5).has_value());
}

TEST(PayloadIndexTest, BuildRejectsBadPath) {
  std::vector<const Json*> none;
  EXPECT_EQ(PayloadIndex::Build("a..b", PayloadType::kKeyword, none).status().code(),
            StatusCode::kInvalidArgument);
  Result<PayloadIndex> empty = PayloadIndex::Build("a", PayloadType::kFloat, none);
  ASSERT_TRUE(empty.ok());
  std::string bytes;
  empty->AppendTo(&bytes);
  EXPECT_TRUE(PayloadIndex::Load(bytes).ok());
}

TEST(PayloadIndexTest, SerializationRoundTripAndCorruption) {
  testing::RandomData rd(7);
  std::vector<Json> docs;
  for (int i = 0; i < 70; ++i) docs.push_back(rd.Payload());
  std::vector<const Json*> ptrs;
  for (const Json& d : docs) ptrs.push_back(d.is_null() ? nullptr : &d);
  for (PayloadType type : {PayloadType::kKeyword, PayloadType::kInteger, PayloadType::kFloat,
                           PayloadType::kBool, PayloadType::kText}) {
    for (const char* path : {"cat", "price", "items.k", "text"}) {
      PayloadIndex idx = *PayloadIndex::Build(path, type, ptrs);
      std::string bytes;
      idx.AppendTo(&bytes);
      Result<PayloadIndex> back = PayloadIndex::Load(bytes);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(back->path(), path);
      EXPECT_EQ(back->type(), type);
      EXPECT_EQ(back->other_rows(), idx.other_rows());
      std::string again;
      back->AppendTo(&again);
      EXPECT_EQ(again, bytes);

      // Every truncation is Corruption.
      for (size_t len = 0; len < bytes.size(); ++len) {
        Result<PayloadIndex> t = PayloadIndex::Load(std::string_view(bytes).substr(0, len));
        ASSERT_FALSE(t.ok()) << len;
        ASSERT_EQ(t.status().code(), StatusCode::kCorruption) << t.status().ToString();
      }
      EXPECT_EQ(PayloadIndex::Load(bytes + "x").status().code(), StatusCode::kCorruption);
      // Garbled bytes: either rejected as Corruption or a structurally valid index; never a
      // crash (run under RAGDB_SANITIZE=ON to check memory safety as well).
      std::mt19937 rng(static_cast<uint32_t>(bytes.size()));
      for (int trial = 0; trial < 300; ++trial) {
        std::string bad = bytes;
        int flips = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < flips; ++k) {
          bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
        }
        Result<PayloadIndex> g = PayloadIndex::Load(bad);
        if (!g.ok()) {
          ASSERT_EQ(g.status().code(), StatusCode::kCorruption);
        } else {
          for (const char* e : {"x == 1", "x > 2", "x == 'news'", "exists(x)", "x == null"}) {
            (void)g->Lookup(Cond(e), g->rows());
            (void)g->EstimateCount(Cond(e));
          }
        }
      }
    }
  }
  EXPECT_EQ(PayloadIndex::Load("").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(PayloadIndex::Load("RPIX").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace ragdb
