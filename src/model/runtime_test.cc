// The encoder against the PyTorch reference, rerankers, the hash embedder and the CLI commands.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <thread>

#include "base/file.h"
#include "model/cli_commands.h"
#include "model/kernels.h"
#include "model/test_util.h"
#include "ragdb/model.h"

namespace ragdb {
namespace {

using model::testing::FixtureDir;
using model::testing::Reference;

double Cosine(const std::vector<float>& a, const std::vector<double>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

struct Case {
  std::string model;
  Pooling pooling;
  const char* key;
  size_t threads;
  size_t batch;
};

class EmbedReference : public ::testing::TestWithParam<Case> {};

TEST_P(EmbedReference, MatchesPyTorch) {
  const Case& c = GetParam();
  const auto& ref = Reference()[c.model];
  ASSERT_TRUE(ref.is_object());
  EmbedderOptions o;
  o.pooling = c.pooling;
  o.normalize = false;
  o.threads = c.threads;
  o.batch_size = c.batch;
  auto e = Embedder::Load(FixtureDir(c.model), o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)->dim(), 32u);
  EXPECT_EQ((*e)->max_length(), 64u);
  auto texts = ref["texts"].get<std::vector<std::string>>();
  auto out = (*e)->Embed(texts);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), texts.size());
  double worst_diff = 0, worst_cos = 1;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto want = ref[c.key][i].get<std::vector<double>>();
    ASSERT_EQ((*out)[i].size(), want.size());
    EXPECT_LT(MaxAbsDiff((*out)[i], want), 1e-4) << c.model << " text " << i;
    EXPECT_GE(Cosine((*out)[i], want), 0.9999) << c.model << " text " << i;
    worst_diff = std::max(worst_diff, MaxAbsDiff((*out)[i], want));
    worst_cos = std::min(worst_cos, Cosine((*out)[i], want));
  }
  std::cout << "[ accuracy ] " << c.model << " " << c.key << ": max |diff| " << worst_diff
            << ", min cosine " << std::setprecision(10) << worst_cos << "\n";
}

INSTANTIATE_TEST_SUITE_P(
    All, EmbedReference,
    ::testing::Values(Case{"bert_tiny", Pooling::kCls, "cls", 1, 32},
                      Case{"bert_tiny", Pooling::kMean, "mean", 2, 3},
                      Case{"bert_tiny", Pooling::kAuto, "cls", 2, 32},  // 1_Pooling says CLS
                      Case{"xlmr_tiny", Pooling::kCls, "cls", 2, 4},
                      Case{"xlmr_tiny", Pooling::kMean, "mean", 1, 1},
                      Case{"xlmr_tiny", Pooling::kAuto, "mean", 2, 32}));  // no 1_Pooling

TEST(Embedder, QueryPromptAndNormalization) {
  const auto& ref = Reference()["bert_tiny"];
  auto e = Embedder::Load(FixtureDir("bert_tiny"));  // auto pooling (CLS), normalized
  ASSERT_TRUE(e.ok());
  auto q = (*e)->Embed(std::vector<std::string>{ref["query_text"].get<std::string>()}, true);
  ASSERT_TRUE(q.ok());
  auto want = ref["query_cls"].get<std::vector<double>>();
  EXPECT_GE(Cosine((*q)[0], want), 0.9999);
  double n = 0;
  for (float x : (*q)[0]) n += x * x;
  EXPECT_NEAR(n, 1.0, 1e-5);
  // The document side has no prompt, so it differs from the query side.
  auto d = (*e)->Embed(std::vector<std::string>{ref["query_text"].get<std::string>()}, false);
  ASSERT_TRUE(d.ok());
  EXPECT_LT(Cosine((*d)[0], want), 0.9999);
  EXPECT_EQ((*e)->name(), "bert_tiny");
}

TEST(Embedder, MaxLengthAndConcurrentCalls) {
  EmbedderOptions o;
  o.max_length = 8;
  auto e = Embedder::Load(FixtureDir("xlmr_tiny"), o);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->max_length(), 8u);
  auto texts = Reference()["xlmr_tiny"]["texts"].get<std::vector<std::string>>();
  auto want = (*e)->Embed(texts);
  ASSERT_TRUE(want.ok());
  // Embed is const and thread-safe: concurrent calls on one embedder give the same vectors.
  std::vector<std::vector<std::vector<float>>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      auto r = (*e)->Embed(texts);
      if (r.ok()) got[t] = std::move(*r);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, *want);
  // The model's own limit is never exceeded, whatever the option says.
  o.max_length = 100000;
  auto big = Embedder::Load(FixtureDir("xlmr_tiny"), o);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)->max_length(), 64u);
}

TEST(Embedder, InvalidUtf8IsAnError) {
  auto e = Embedder::Load(FixtureDir("xlmr_tiny"));
  ASSERT_TRUE(e.ok());
  auto r = (*e)->Embed(std::vector<std::string>{"fine", "bad \xfe"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not valid UTF-8"), std::string::npos);
}

TEST(Embedder, RejectsCrossEncoderFolder) {
  auto e = Embedder::Load(FixtureDir("bert_tiny_ce"));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("Reranker"), std::string::npos);
}

TEST(Reranker, MatchesPyTorch) {
  for (const char* name : {"bert_tiny_ce", "xlmr_tiny_ce"}) {
    const auto& ref = Reference()[name];
    for (size_t threads : {1, 2}) {
      RerankerOptions o;
      o.threads = threads;
      o.batch_size = threads == 1 ? 2 : 32;
      auto r = Reranker::Load(FixtureDir(name), o);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      auto docs = ref["docs"].get<std::vector<std::string>>();
      auto s = (*r)->Score(ref["query"], docs);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      auto want = ref["scores"].get<std::vector<double>>();
      ASSERT_EQ(s->size(), want.size());
      double worst = 0;
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_NEAR((*s)[i], want[i], 1e-4) << name << " doc " << i;
        worst = std::max(worst, std::abs((*s)[i] - want[i]));
      }
      std::cout << "[ accuracy ] " << name << " scores, " << threads << " thread(s): max |diff| "
                << worst << "\n";
    }
  }
  RerankerOptions o;
  o.sigmoid = true;
  auto r = Reranker::Load(FixtureDir("bert_tiny_ce"), o);
  ASSERT_TRUE(r.ok());
  auto s = (*r)->Score("q", std::vector<std::string>{"d"});
  ASSERT_TRUE(s.ok());
  EXPECT_GT((*s)[0], 0.0f);
  EXPECT_LT((*s)[0], 1.0f);
}

// SPLADE: the masked-LM head's max-pooled log(1 + relu) weights match the PyTorch reference,
// in batches of one and of several (padding must not count), on one thread and two. The same
// folder still loads as a dense embedder (the head is only read for SPLADE).
// Every vector of every matrix against the PyTorch reference (float64), in order.
double CompareMatrices(const MultiVector& got, const Json& want, const std::string& what) {
  double worst = 0;
  EXPECT_EQ(got.size(), want.size()) << what;
  for (size_t t = 0; t < std::min(got.size(), want.size()); ++t) {
    EXPECT_EQ(got[t].size(), want[t].size()) << what;
    for (size_t k = 0; k < std::min(got[t].size(), want[t].size()); ++k) {
      const double d = std::abs(got[t][k] - want[t][k].get<double>());
      EXPECT_LT(d, 1e-4) << what << " vector " << t << " component " << k;
      worst = std::max(worst, d);
    }
  }
  return worst;
}

TEST(MultiVectorEmbedder, ColbertMatchesPyTorch) {
  const auto& ref = Reference()["bert_tiny_colbert"];
  auto texts = ref["texts"].get<std::vector<std::string>>();
  for (size_t threads : {1, 2}) {
    MultiVectorEmbedderOptions o;
    o.threads = threads;
    o.batch_size = threads == 1 ? 1 : 8;
    auto e = MultiVectorEmbedder::Load("colbert:" + FixtureDir("bert_tiny_colbert"), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ((*e)->name(), "colbert:bert_tiny_colbert");
    EXPECT_EQ((*e)->dim(), 8u);
    // Documents: [CLS] [D] tokens [SEP], at most doc_maxlen 16 tokens, punctuation dropped.
    auto docs = (*e)->EmbedDocuments(texts);
    ASSERT_TRUE(docs.ok()) << docs.status().ToString();
    ASSERT_EQ(docs->size(), texts.size());
    double worst = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      worst = std::max(worst, CompareMatrices((*docs)[i], ref["docs"][i], "doc " + texts[i]));
    }
    // Queries: padded with [MASK] to query_maxlen 12, the padding not attended to.
    for (size_t i = 0; i < ref["queries"].size(); ++i) {
      auto q = (*e)->EmbedQuery(texts[i]);
      ASSERT_TRUE(q.ok()) << q.status().ToString();
      EXPECT_EQ(q->size(), 12u);
      worst = std::max(worst, CompareMatrices(*q, ref["queries"][i], "query " + texts[i]));
    }
    std::cout << "[ accuracy ] colbert vectors, " << threads << " thread(s): max |diff| " << worst
              << "\n";
  }
  // A model without the head is refused by name.
  auto plain = MultiVectorEmbedder::Load(FixtureDir("bert_tiny"));
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.status().message().find("linear.weight"), std::string::npos);
}

// Sparse vectors against the reference's {"token id": weight} objects: indices ascending, values
// > 0, each weight within 1e-4 (entries near zero may fall on either side of it in float32).
// Returns the largest difference.
double CompareSparse(const nlohmann::json& want_all, const std::vector<SparseVector>& got) {
  double worst = 0;
  EXPECT_EQ(want_all.size(), got.size());
  for (size_t i = 0; i < got.size() && i < want_all.size(); ++i) {
    const auto& want = want_all[i];
    const SparseVector& v = got[i];
    std::map<uint32_t, float> have;
    for (size_t j = 0; j < v.indices.size(); ++j) {
      if (j > 0) EXPECT_LT(v.indices[j - 1], v.indices[j]);
      EXPECT_GT(v.values[j], 0.0f);
      have[v.indices[j]] = v.values[j];
    }
    for (const auto& [key, value] : want.items()) {
      const uint32_t idx = static_cast<uint32_t>(std::stoul(key));
      const double w = value.get<double>();
      const double h = have.count(idx) ? have[idx] : 0.0;
      EXPECT_NEAR(h, w, 1e-4) << "text " << i << " token " << idx;
      worst = std::max(worst, std::abs(h - w));
      have.erase(idx);
    }
    for (const auto& [idx, h] : have) EXPECT_LT(h, 1e-4) << "text " << i << " token " << idx;
  }
  return worst;
}

TEST(SparseEmbedder, SpladeMatchesPyTorch) {
  const auto& ref = Reference()["bert_tiny_splade"];
  auto texts = ref["texts"].get<std::vector<std::string>>();
  for (size_t threads : {1, 2}) {
    SparseEmbedderOptions o;
    o.threads = threads;
    o.batch_size = threads == 1 ? 1 : 8;
    auto e = SparseEmbedder::Load("splade:" + FixtureDir("bert_tiny_splade"), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ((*e)->name(), "splade:bert_tiny_splade");
    auto got = (*e)->Embed(texts);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), texts.size());
    const double worst = CompareSparse(ref["sparse"], *got);
    std::cout << "[ accuracy ] splade weights, " << threads << " thread(s): max |diff| " << worst
              << "\n";
  }
  EXPECT_TRUE(Embedder::Load(FixtureDir("bert_tiny_splade")).ok());
  // A model without the head is refused by name.
  auto dense = SparseEmbedder::Load(FixtureDir("bert_tiny"));
  ASSERT_FALSE(dense.ok());
  EXPECT_NE(dense.status().message().find("masked-LM head"), std::string::npos);
}

TEST(SparseEmbedder, BgeM3MatchesPyTorch) {
  const auto& ref = Reference()["xlmr_tiny_m3"];
  auto texts = ref["texts"].get<std::vector<std::string>>();
  // Named, and found by the folder's sparse_linear.pt alone.
  for (const std::string prefix : {"bge-m3-sparse:", ""}) {
    for (size_t threads : {1, 2}) {
      SparseEmbedderOptions o;
      o.threads = threads;
      o.batch_size = threads == 1 ? 1 : 8;
      auto e = SparseEmbedder::Load(prefix + FixtureDir("xlmr_tiny_m3"), o);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      EXPECT_EQ((*e)->name(), "bge-m3-sparse:xlmr_tiny_m3");
      auto got = (*e)->Embed(texts);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      const double worst = CompareSparse(ref["sparse"], *got);
      std::cout << "[ accuracy ] bge-m3 lexical weights, " << threads << " thread(s): max |diff| "
                << worst << "\n";
    }
  }
  // The texts with unknown characters keep no weight for <unk> (id 3), nor for <s> </s>.
  auto e = SparseEmbedder::Load("bge-m3-sparse:" + FixtureDir("xlmr_tiny_m3"));
  ASSERT_TRUE(e.ok());
  auto got = (*e)->Embed(texts);
  ASSERT_TRUE(got.ok());
  size_t entries = 0;
  for (const SparseVector& v : *got) {
    entries += v.indices.size();
    for (uint32_t id : v.indices) EXPECT_GT(id, 3u);
  }
  EXPECT_GT(entries, 10u);
  // A folder without the head, and a damaged head, are refused by name.
  auto plain = SparseEmbedder::Load("bge-m3-sparse:" + FixtureDir("xlmr_tiny"));
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.status().message().find("sparse_linear.pt"), std::string::npos);
  const std::string dir = ::testing::TempDir() + "/m3_broken";
  std::filesystem::remove_all(dir);
  std::filesystem::copy(FixtureDir("xlmr_tiny_m3"), dir);
  auto head = ReadFile(dir + "/sparse_linear.pt");
  ASSERT_TRUE(head.ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/sparse_linear.pt", head->substr(0, head->size() / 2)).ok());
  auto broken = SparseEmbedder::Load(dir);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("sparse_linear.pt"), std::string::npos)
      << broken.status().ToString();
  // A head for another hidden size.
  ASSERT_TRUE(std::filesystem::copy_file(FixtureDir("torch/state_p2.pt"), dir + "/sparse_linear.pt",
                                         std::filesystem::copy_options::overwrite_existing));
  auto other = SparseEmbedder::Load(dir);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("missing tensor 'weight'"), std::string::npos)
      << other.status().ToString();
  std::filesystem::remove_all(dir);
}

TEST(HashEmbedder, DeterministicNormalizedLexical) {
  auto e = Embedder::Load("hash");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->dim(), 256u);
  EXPECT_EQ((*e)->name(), "hash:256");
  auto e2 = Embedder::Load("hash:384");
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ((*e2)->dim(), 384u);
  for (const char* bad : {"hash:", "hash:0", "hash:12x", "hash:9999999"}) {
    EXPECT_FALSE(Embedder::Load(bad).ok()) << bad;
  }
  std::vector<std::string> texts = {"The river bank", "the RIVER bank!", "quantum chromodynamics",
                                    ""};
  auto a = (*e)->Embed(texts);
  auto b = (*e)->Embed(texts);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  auto dot = [&](size_t i, size_t j) {
    double d = 0;
    for (size_t k = 0; k < 256; ++k) d += (*a)[i][k] * (*a)[j][k];
    return d;
  };
  EXPECT_NEAR(dot(0, 0), 1.0, 1e-5);
  EXPECT_NEAR(dot(0, 1), 1.0, 1e-5);  // case and punctuation do not matter
  EXPECT_LT(dot(0, 2), 0.5);
  EXPECT_EQ(dot(3, 3), 0.0);  // no features: the zero vector
  EXPECT_FALSE((*e)->Embed(std::vector<std::string>{"\xff"}).ok());
}

TEST(Kernels, FastMathIsAccurate) {
  double max_exp = 0, max_gelu = 0;
  for (float x = -20.0f; x <= 20.0f; x += 0.01f) {
    max_exp = std::max(max_exp, std::abs(model::FastExpForTest(x) / std::exp(x) - 1.0));
    max_gelu = std::max(max_gelu, std::abs(static_cast<double>(model::FastGeluForTest(x)) -
                                           0.5 * x * (1 + std::erf(x / std::sqrt(2.0)))));
  }
  EXPECT_LT(max_exp, 1e-6);
  EXPECT_LT(max_gelu, 1e-5);
}

std::string CaptureStdout(const std::function<int()>& fn, int* code) {
  ::testing::internal::CaptureStdout();
  *code = fn();
  return ::testing::internal::GetCapturedStdout();
}

TEST(Cli, EmbedAndRerank) {
  int code = -1;
  std::string out = CaptureStdout(
      [] {
        return RunEmbedCommand({"--model", "hash:8", "--normalize", "hello world", "x"});
      },
      &code);
  EXPECT_EQ(code, 0);
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
  EXPECT_EQ(out[0], '[');
  EXPECT_EQ(std::count(out.begin(), out.begin() + out.find('\n'), ','), 7);

  out = CaptureStdout(
      [] {
        return RunEmbedCommand(
            {"--model", FixtureDir("bert_tiny"), "--pooling", "cls", "Hello, World!"});
      },
      &code);
  EXPECT_EQ(code, 0);
  auto arr = nlohmann::json::parse(out);
  auto want = Reference()["bert_tiny"]["cls"][0].get<std::vector<double>>();
  ASSERT_EQ(arr.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(arr[i].get<double>(), want[i], 1e-4);

  // SPLADE: one {"indices", "values"} object per text, the reference's weights.
  const auto& splade = Reference()["bert_tiny_splade"];
  out = CaptureStdout(
      [&] {
        return RunEmbedCommand({"--model", "splade:" + FixtureDir("bert_tiny_splade"),
                                splade["texts"][0].get<std::string>()});
      },
      &code);
  EXPECT_EQ(code, 0);
  auto sv = nlohmann::json::parse(out);
  ASSERT_EQ(sv["indices"].size(), sv["values"].size());
  for (size_t j = 0; j < sv["indices"].size(); ++j) {
    const std::string key = std::to_string(sv["indices"][j].get<int>());
    const double w = splade["sparse"][0].contains(key) ? splade["sparse"][0][key].get<double>() : 0;
    EXPECT_NEAR(sv["values"][j].get<double>(), w, 1e-4) << key;
  }
  EXPECT_EQ(
      RunEmbedCommand({"--model", "splade:" + FixtureDir("bert_tiny_splade"), "--normalize", "x"}),
      2);
  // BGE-M3's lexical weights through the same command.
  const auto& m3 = Reference()["xlmr_tiny_m3"];
  out = CaptureStdout(
      [&] {
        return RunEmbedCommand({"--model", "bge-m3-sparse:" + FixtureDir("xlmr_tiny_m3"),
                                m3["texts"][1].get<std::string>()});
      },
      &code);
  EXPECT_EQ(code, 0);
  auto mv = nlohmann::json::parse(out);
  std::vector<SparseVector> m3_got(1);
  m3_got[0].indices = mv["indices"].get<std::vector<uint32_t>>();
  m3_got[0].values = mv["values"].get<std::vector<float>>();
  CompareSparse(nlohmann::json::array({m3["sparse"][1]}), m3_got);

  const auto& ref = Reference()["xlmr_tiny_ce"];
  std::vector<std::string> args = {"--model", FixtureDir("xlmr_tiny_ce"), "--query", ref["query"]};
  for (const auto& d : ref["docs"]) args.push_back(d);
  out = CaptureStdout([&] { return RunRerankCommand(args); }, &code);
  EXPECT_EQ(code, 0);
  std::istringstream lines(out);
  std::string line;
  size_t i = 0;
  while (std::getline(lines, line)) {
    EXPECT_NEAR(std::stod(line), ref["scores"][i].get<double>(), 1e-4);
    ++i;
  }
  EXPECT_EQ(i, ref["docs"].size());

  // A hash model cannot rerank: refused as a usage error, nothing on stdout.
  out = CaptureStdout(
      [] {
        return RunRerankCommand(
            {"--model", "hash", "--query", "river bank", "bank of the river", "cats"});
      },
      &code);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(out, "");

  EXPECT_EQ(RunEmbedCommand({"hello"}), 2);
  EXPECT_EQ(RunEmbedCommand({"--model", "hash"}), 2);
  EXPECT_EQ(RunEmbedCommand({"--model", "hash", "--pooling", "max", "x"}), 2);
  EXPECT_EQ(RunEmbedCommand({"--model", "hash", "--bogus", "x"}), 2);
  EXPECT_EQ(RunRerankCommand({"--model", "hash", "doc"}), 2);
  EXPECT_EQ(RunEmbedCommand({"--model", "/nonexistent/model", "x"}), 1);
  EXPECT_EQ(RunRerankCommand({"--model", FixtureDir("bert_tiny"), "--query", "q", "d"}), 1);
}

}  // namespace
}  // namespace ragdb
