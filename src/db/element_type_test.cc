// Vector fields that store float16, int8, uint8 and binary components: validation, round trips
// through the WAL and sealed segments, exact and HNSW search, sizes, and corruption.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "base/file.h"
#include "db/segment.h"
#include "ragdb/database.h"
#include "simd/elements.h"
#include "simd/half.h"
#include "storage/test_util.h"

namespace ragdb {
namespace {

using ragdb::testing::FlipByte;
using ragdb::testing::TempDir;

struct Case {
  ElementType type;
  Metric metric;
};

const Case kCases[] = {
    {ElementType::kFloat16, Metric::kL2},     {ElementType::kFloat16, Metric::kIp},
    {ElementType::kFloat16, Metric::kCosine}, {ElementType::kInt8, Metric::kL2},
    {ElementType::kInt8, Metric::kIp},        {ElementType::kInt8, Metric::kCosine},
    {ElementType::kUint8, Metric::kL2},       {ElementType::kUint8, Metric::kCosine},
    {ElementType::kBinary, Metric::kHamming}, {ElementType::kFloat32, Metric::kL2},
};

std::string Label(const Case& c) {
  return std::string(ElementTypeName(c.type)) + "/" + std::string(MetricName(c.metric));
}

CollectionSchema Schema(ElementType type, Metric metric, uint32_t dim,
                        IndexType index = IndexType::kFlat) {
  CollectionSchema s;
  VectorField f;
  f.dim = dim;
  f.metric = metric;
  f.element_type = type;
  f.index.type = index;
  s.vectors.push_back(f);
  s.payload_indexes.push_back({"tag", PayloadType::kKeyword});
  return s;
}

// A random vector the type can store (integers for int8/uint8, bits for binary).
std::vector<float> RandomVector(ElementType type, uint32_t dim, std::mt19937& rng) {
  std::vector<float> v(dim);
  for (float& x : v) {
    switch (type) {
      case ElementType::kFloat32:
      case ElementType::kFloat16:
        x = std::normal_distribution<float>(0, 1)(rng);
        break;
      case ElementType::kInt8:
        x = static_cast<float>(std::uniform_int_distribution<int>(-128, 127)(rng));
        break;
      case ElementType::kUint8:
        x = static_cast<float>(std::uniform_int_distribution<int>(0, 255)(rng));
        break;
      case ElementType::kBinary:
        x = static_cast<float>(rng() & 1);
        break;
    }
  }
  return v;
}

// What a field stores for `v`: unit length first for float cosine, then the type's rounding.
std::vector<float> Stored(ElementType type, Metric metric, std::vector<float> v) {
  if (metric == Metric::kCosine &&
      (type == ElementType::kFloat32 || type == ElementType::kFloat16)) {
    double n = 0;
    for (float x : v) n += double(x) * x;
    n = std::sqrt(n);
    for (float& x : v) x = static_cast<float>(x / n);
  }
  if (type == ElementType::kFloat16) {
    for (float& x : v) x = simd::HalfBitsToFloat(simd::FloatToHalfBits(x));
  }
  return v;
}

std::vector<Record> Records(ElementType type, uint32_t dim, size_t n, uint64_t first,
                            std::mt19937& rng) {
  std::vector<Record> out;
  for (size_t i = 0; i < n; ++i) {
    Record r;
    r.id = PointId(first + i);
    r.vectors[""] = RandomVector(type, dim, rng);
    r.payload = {{"tag", i % 3 == 0 ? "a" : "b"}};
    out.push_back(std::move(r));
  }
  return out;
}

// The score search reports for a stored row, computed in double precision.
double ReferenceScore(Metric metric, const std::vector<float>& q, const std::vector<float>& x) {
  double dot = 0, l2 = 0, nq = 0, nx = 0, ham = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    dot += double(q[i]) * x[i];
    l2 += (double(q[i]) - x[i]) * (double(q[i]) - x[i]);
    nq += double(q[i]) * q[i];
    nx += double(x[i]) * x[i];
    ham += q[i] != x[i];
  }
  switch (metric) {
    case Metric::kL2:
      return std::sqrt(l2);
    case Metric::kIp:
      return dot;
    case Metric::kCosine:
      return nq > 0 && nx > 0 ? dot / std::sqrt(nq * nx) : 0;
    case Metric::kHamming:
      return ham;
  }
  return 0;
}

bool SmallerIsBetter(Metric m) { return m == Metric::kL2 || m == Metric::kHamming; }

DatabaseOptions SmallSegments() {
  DatabaseOptions o;
  o.seal_threshold_rows = 100;  // several sealed segments plus a growing one
  return o;
}

TEST(ElementTypes, SchemaRejectsMismatchedMetricsIndexesAndQuantization) {
  auto expect_error = [](ElementType t, Metric m, IndexType idx, Quantization q,
                         const std::string& words) {
    CollectionSchema s = Schema(t, m, 16, idx);
    s.vectors[0].index.quantization = q;
    Status st = s.Validate();
    EXPECT_FALSE(st.ok()) << Label({t, m});
    EXPECT_NE(st.message().find(words), std::string::npos) << st.message();
  };
  for (Metric m : {Metric::kCosine, Metric::kL2, Metric::kIp}) {
    expect_error(ElementType::kBinary, m, IndexType::kFlat, Quantization::kNone, "hamming");
  }
  for (ElementType t :
       {ElementType::kFloat32, ElementType::kFloat16, ElementType::kInt8, ElementType::kUint8}) {
    expect_error(t, Metric::kHamming, IndexType::kFlat, Quantization::kNone, "binary");
  }
  expect_error(ElementType::kFloat16, Metric::kL2, IndexType::kIvfFlat, Quantization::kNone,
               "float32");
  expect_error(ElementType::kInt8, Metric::kL2, IndexType::kIvfPq, Quantization::kNone, "float32");
  expect_error(ElementType::kInt8, Metric::kL2, IndexType::kHnsw, Quantization::kSq8, "float32");
  for (const Case& c : kCases) EXPECT_TRUE(Schema(c.type, c.metric, 16).Validate().ok());
  EXPECT_TRUE(Schema(ElementType::kBinary, Metric::kHamming, 16, IndexType::kHnsw).Validate().ok());
  // The schema JSON (the manifest) keeps the type.
  CollectionSchema s = Schema(ElementType::kUint8, Metric::kIp, 8);
  auto back = CollectionSchema::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->vectors[0].element_type, ElementType::kUint8);
}

TEST(ElementTypes, RoundTripThroughLogReopenAndSealedSegments) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(Label(c));
    TempDir dir;
    std::mt19937 rng(11);
    const uint32_t dim = 37;  // odd: binary rows end mid-byte, SIMD tails are exercised
    std::vector<Record> records = Records(c.type, dim, 250, 0, rng);
    std::map<uint64_t, std::vector<float>> want;
    for (const Record& r : records)
      want[r.id.number()] = Stored(c.type, c.metric, r.vectors.at(""));
    auto check = [&](Collection& col, const char* when) {
      SCOPED_TRACE(when);
      for (const auto& [id, v] : want) {
        auto got = col.Get(PointId(id), /*with_vectors=*/true);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        const std::vector<float>& g = got->vectors.at("");
        ASSERT_EQ(g.size(), v.size());
        for (size_t i = 0; i < v.size(); ++i) {
          if (c.type == ElementType::kFloat32) {
            ASSERT_NEAR(g[i], v[i], 1e-6) << id;
          } else {
            ASSERT_EQ(g[i], v[i]) << id << " component " << i;
          }
        }
      }
      ScrollRequest sr;
      sr.limit = 1000;
      sr.with_vectors = true;
      auto page = col.Scroll(sr);
      ASSERT_TRUE(page.ok());
      ASSERT_EQ(page->records.size(), want.size());
      for (const Record& r : page->records) {
        if (c.type != ElementType::kFloat32) {
          EXPECT_EQ(r.vectors.at(""), want[r.id.number()]);
        }
      }
    };
    {
      auto db = Database::Open(dir.path(), SmallSegments());
      ASSERT_TRUE(db.ok());
      auto col = (*db)->CreateCollection("c", Schema(c.type, c.metric, dim));
      ASSERT_TRUE(col.ok()) << col.status().ToString();
      // 250 rows at 100 per segment: two sealed segments and 50 rows in the growing one.
      ASSERT_TRUE((*col)->Upsert(records).ok());
      check(**col, "growing and sealed");
    }
    {
      auto db = Database::Open(dir.path(), SmallSegments());
      ASSERT_TRUE(db.ok()) << db.status().ToString();
      auto col = (*db)->GetCollection("c");
      check(**col, "after reopen (log replay)");
      ASSERT_TRUE((*col)->Optimize().ok());
      check(**col, "after optimize");
    }
    auto db = Database::Open(dir.path(), SmallSegments());
    ASSERT_TRUE(db.ok());
    check(**(*db)->GetCollection("c"), "after optimize and reopen");
    auto report = Database::Check(dir.path());
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok());
  }
}

TEST(ElementTypes, BadValuesAreRejectedWithoutChangingData) {
  struct Bad {
    ElementType type;
    Metric metric;
    float value;
    std::string words;
  };
  const Bad kBad[] = {
      {ElementType::kInt8, Metric::kL2, 1.5f, "-128..127"},
      {ElementType::kInt8, Metric::kL2, 128, "-128..127"},
      {ElementType::kInt8, Metric::kCosine, -129, "-128..127"},
      {ElementType::kUint8, Metric::kL2, -1, "0..255"},
      {ElementType::kUint8, Metric::kIp, 256, "0..255"},
      {ElementType::kBinary, Metric::kHamming, 2, "0 or 1"},
      {ElementType::kBinary, Metric::kHamming, 0.5f, "0 or 1"},
      {ElementType::kFloat16, Metric::kL2, 1e6f, "float16 range"},
      {ElementType::kFloat16, Metric::kIp, -70000, "float16 range"},
      {ElementType::kFloat16, Metric::kL2, NAN, "NaN"},
      {ElementType::kInt8, Metric::kL2, INFINITY, "infinite"},
  };
  for (const Bad& b : kBad) {
    SCOPED_TRACE(Label({b.type, b.metric}) + " " + std::to_string(b.value));
    TempDir dir;
    auto db = Database::Open(dir.path());
    CollectionSchema s = Schema(b.type, b.metric, 4);
    s.vectors[0].name = "emb";
    auto col = (*db)->CreateCollection("c", s);
    ASSERT_TRUE(col.ok()) << col.status().ToString();
    Record good;
    good.id = PointId(1);
    good.vectors["emb"] = {1, 0, 1, 1};
    ASSERT_TRUE((*col)->Upsert({&good, 1}).ok());
    Record replace = good;
    replace.vectors["emb"] = {0, 1, 1, 0};
    Record bad;
    bad.id = PointId(2);
    bad.vectors["emb"] = {0, 1, b.value, 0};
    std::vector<Record> batch{replace, bad};
    Status st = (*col)->Upsert(batch);
    ASSERT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_NE(st.message().find("vector 'emb'"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("component 2"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(b.words), std::string::npos) << st.message();
    // Nothing of the batch was applied: record 1 keeps its vector, record 2 does not exist.
    EXPECT_EQ(*(*col)->Count(nullptr), 1u);
    EXPECT_EQ((*col)->Get(PointId(1), true)->vectors.at("emb"), (std::vector<float>{1, 0, 1, 1}));
  }
  // Binary queries must be bits too.
  TempDir dir;
  auto db = Database::Open(dir.path());
  auto col = (*db)->CreateCollection("c", Schema(ElementType::kBinary, Metric::kHamming, 4));
  SearchRequest req;
  req.vector = {0, 1, 0.5f, 1};
  auto r = (*col)->Search(req);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("0 or 1"), std::string::npos) << r.status().ToString();
}

TEST(ElementTypes, ExactSearchEqualsBruteForceForEveryTypeAndMetric) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(Label(c));
    TempDir dir;
    std::mt19937 rng(5);
    const uint32_t dim = 45;
    auto db = Database::Open(dir.path(), SmallSegments());
    auto col = (*db)->CreateCollection("c", Schema(c.type, c.metric, dim));
    ASSERT_TRUE(col.ok());
    std::vector<Record> records = Records(c.type, dim, 430, 0, rng);
    ASSERT_TRUE((*col)->Upsert(records).ok());
    // Replace and delete a few so tombstones are in play.
    std::vector<Record> again = Records(c.type, dim, 20, 100, rng);
    ASSERT_TRUE((*col)->Upsert(again).ok());
    std::vector<PointId> gone{PointId(3), PointId(250), PointId(429)};
    ASSERT_TRUE((*col)->Delete(gone).ok());
    std::map<uint64_t, Record> live;
    for (const Record& r : records) live[r.id.number()] = r;
    for (const Record& r : again) live[r.id.number()] = r;
    for (const PointId& id : gone) live.erase(id.number());

    for (int with_filter = 0; with_filter < 2; ++with_filter) {
      for (int t = 0; t < 5; ++t) {
        SearchRequest req;
        // Queries: stored-type vectors for binary, plain floats otherwise.
        req.vector = c.type == ElementType::kBinary ? RandomVector(c.type, dim, rng)
                                                    : RandomVector(ElementType::kFloat32, dim, rng);
        if (c.type == ElementType::kUint8 || c.type == ElementType::kInt8) {
          for (float& x : req.vector) x *= 60;
        }
        req.k = 10;
        if (with_filter) req.filter = Filter::Parse("tag == \"a\"").value();
        auto hits = (*col)->Search(req);
        ASSERT_TRUE(hits.ok()) << hits.status().ToString();
        std::vector<double> ref;
        std::map<uint64_t, double> score_of;
        for (const auto& [id, r] : live) {
          if (with_filter && r.payload["tag"] != "a") continue;
          double s =
              ReferenceScore(c.metric, req.vector, Stored(c.type, c.metric, r.vectors.at("")));
          ref.push_back(s);
          score_of[id] = s;
        }
        std::sort(ref.begin(), ref.end());
        if (!SmallerIsBetter(c.metric)) std::reverse(ref.begin(), ref.end());
        ASSERT_EQ(hits->size(), 10u);
        const double tol = c.metric == Metric::kHamming ? 0 : 2e-3 * (1 + std::fabs(ref[0]));
        for (size_t i = 0; i < hits->size(); ++i) {
          const ScoredPoint& p = (*hits)[i];
          ASSERT_TRUE(score_of.count(p.id.number())) << "hit " << p.id.ToString();
          // Each hit's score is right, and the i-th best score is the reference's i-th
          // (ids may differ among ties).
          EXPECT_NEAR(p.score, score_of[p.id.number()], tol) << i;
          EXPECT_NEAR(p.score, ref[i], tol) << i;
        }
      }
    }
  }
}

double Recall(Collection& col, ElementType type, uint32_t dim, std::mt19937& rng) {
  size_t found = 0, total = 0;
  for (int t = 0; t < 50; ++t) {
    SearchRequest req;
    req.vector =
        RandomVector(type == ElementType::kBinary ? type : ElementType::kFloat32, dim, rng);
    if (type == ElementType::kInt8) {
      for (float& x : req.vector) x *= 60;
    }
    req.k = 10;
    req.ef = 128;
    req.with_payload = false;
    auto approx = col.Search(req);
    req.exact = true;
    auto exact = col.Search(req);
    EXPECT_TRUE(approx.ok() && exact.ok());
    // Ties at the k-th score count as found (binary distances tie often).
    const float kth = exact->back().score;
    std::set<uint64_t> truth;
    for (const auto& p : *exact) truth.insert(p.id.number());
    for (const auto& p : *approx) {
      const bool tie = type == ElementType::kBinary && p.score == kth;
      found += truth.count(p.id.number()) > 0 || tie;
    }
    total += exact->size();
  }
  return double(found) / double(total);
}

TEST(ElementTypes, HnswOverCompactRowsKeepsRecallAndSurvivesReopen) {
  const Case kHnsw[] = {{ElementType::kFloat16, Metric::kL2},
                        {ElementType::kFloat16, Metric::kCosine},
                        {ElementType::kInt8, Metric::kL2},
                        {ElementType::kInt8, Metric::kCosine},
                        {ElementType::kBinary, Metric::kHamming}};
  for (const Case& c : kHnsw) {
    SCOPED_TRACE(Label(c));
    TempDir dir;
    std::mt19937 rng(9);
    const uint32_t dim = c.type == ElementType::kBinary ? 128 : 24;
    {
      auto db = Database::Open(dir.path());
      CollectionSchema s = Schema(c.type, c.metric, dim, IndexType::kHnsw);
      auto col = (*db)->CreateCollection("c", s);
      ASSERT_TRUE(col.ok()) << col.status().ToString();
      ASSERT_TRUE((*col)->Upsert(Records(c.type, dim, 3000, 0, rng)).ok());
      ASSERT_TRUE((*col)->Optimize().ok());
      auto info = (*col)->Describe();
      ASSERT_EQ(info->segments[0].indexes.size(), 1u);
      EXPECT_NE(info->segments[0].indexes[0].find("hnsw"), std::string::npos);
      double recall = Recall(**col, c.type, dim, rng);
      EXPECT_GE(recall, 0.95);
      std::cout << Label(c) << " hnsw recall@10 (ef 128) " << recall << "\n";
    }
    auto db = Database::Open(dir.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_GE(Recall(**(*db)->GetCollection("c"), c.type, dim, rng), 0.95);
  }
}

TEST(ElementTypes, SealedSegmentsAndGrowingColumnsAreCompact) {
  const uint32_t dim = 128;
  const size_t n = 1000;
  std::map<ElementType, uint64_t> file_bytes;
  for (ElementType t : {ElementType::kFloat32, ElementType::kFloat16, ElementType::kInt8,
                        ElementType::kUint8, ElementType::kBinary}) {
    SCOPED_TRACE(ElementTypeName(t));
    const Metric m = t == ElementType::kBinary ? Metric::kHamming : Metric::kL2;
    CollectionSchema schema = Schema(t, m, dim);
    schema.payload_indexes.clear();
    std::mt19937 rng(3);
    std::vector<Record> records = Records(t, dim, n, 0, rng);
    for (Record& r : records) r.payload = Json::object();
    // In memory: the growing segment's column holds row_bytes per row.
    db::GrowingSegment growing(schema);
    for (const Record& r : records) growing.Append(r);
    const size_t row_bytes = simd::ElementRowBytes(t, dim);
    EXPECT_EQ(growing.rows(0).row_bytes, row_bytes);
    EXPECT_EQ(row_bytes, t == ElementType::kFloat32   ? 512u
                         : t == ElementType::kFloat16 ? 256u
                         : t == ElementType::kBinary  ? 16u
                                                      : 128u);
    // On disk: the sealed segment's vector section is rows x row_bytes.
    TempDir dir;
    std::string path = dir.Join("seg.rseg");
    auto written = db::WriteSegment(path, schema, {&growing});
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    auto reader = storage::SegmentFileReader::Open(path, true);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ((*reader)->Section("vec/")->size(), n * row_bytes);
    file_bytes[t] = (*reader)->file_size();
    auto sealed = db::SealedSegment::Open(path, schema);
    ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
    Record back;
    ASSERT_TRUE((*sealed)->ReadRecord(schema, 7, true, &back).ok());
    EXPECT_EQ(back.vectors.at(""), Stored(t, m, records[7].vectors.at("")));
  }
  // Everything but the vectors is the same, so the files differ by the vector bytes alone (up to
  // the 64-byte alignment of sections).
  for (auto [t, bytes] : file_bytes) {
    const double want = double(file_bytes[ElementType::kFloat32]) -
                        double(n) * (dim * 4.0 - simd::ElementRowBytes(t, dim));
    EXPECT_NEAR(double(bytes), want, 128) << ElementTypeName(t);
  }
  std::cout << "segment file bytes for " << n << " x " << dim << ": float32 "
            << file_bytes[ElementType::kFloat32] << ", float16 "
            << file_bytes[ElementType::kFloat16] << ", int8 " << file_bytes[ElementType::kInt8]
            << ", binary " << file_bytes[ElementType::kBinary] << "\n";
}

TEST(ElementTypes, DamagedCompactSegmentIsDetected) {
  TempDir dir;
  std::mt19937 rng(2);
  {
    auto db = Database::Open(dir.path());
    auto col = (*db)->CreateCollection("c", Schema(ElementType::kFloat16, Metric::kL2, 64));
    ASSERT_TRUE((*col)->Upsert(Records(ElementType::kFloat16, 64, 500, 0, rng)).ok());
    ASSERT_TRUE((*col)->Optimize().ok());
  }
  std::string seg;
  for (const auto& name : *ListDir(dir.Join("collections/c"))) {
    if (name.size() > 5 && name.substr(name.size() - 5) == ".rseg")
      seg = dir.Join("collections/c/" + name);
  }
  ASSERT_FALSE(seg.empty());
  // Flip a byte inside the float16 column (found by its first 64 bytes).
  size_t at;
  {
    auto reader = storage::SegmentFileReader::Open(seg, true);
    ASSERT_TRUE(reader.ok());
    std::string_view vec = *(*reader)->Section("vec/");
    at = ReadFile(seg)->find(std::string(vec.substr(0, 64)));
    ASSERT_NE(at, std::string::npos);
  }
  FlipByte(seg, at + 100);
  auto report = Database::Check(dir.path());
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->ok());
  EXPECT_NE(report->problems[0].find(seg), std::string::npos) << report->problems[0];
  auto db = Database::Open(dir.path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kCorruption) << db.status().ToString();
}

}  // namespace
}  // namespace ragdb
