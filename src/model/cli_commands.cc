#include "model/cli_commands.h"

#include <charconv>
#include <cstdio>
#include <iostream>

#include "base/file.h"
#include "base/log.h"
#include "model/model_add.h"
#include "model/model_cache.h"
#if RAGDB_HAVE_MODEL_PULL
#include "model/model_pull.h"
#endif
#include "ragdb/model.h"

namespace ragdb {
namespace {

constexpr char kEmbedUsage[] = "embed";
constexpr char kModelUsage[] = "model";
constexpr char kRerankUsage[] = "rerank";

// One line, as the rest of the CLI: the problem, then where the usage is.
int Usage(const char* command, const std::string& why) {
  std::cerr << "ragdb: " << why << " (see `ragdb " << command << " --help`)\n";
  return 2;
}

int Fail(const Status& s) {
  std::cerr << "ragdb: " << s.message() << "\n";
  return 1;
}

// Shortest text that reads back as the same float.
std::string FormatFloat(float x) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return ec == std::errc() ? std::string(buf, p) : std::string("0");
}

bool IsHashSpec(const std::string& s) { return s == "hash" || s.starts_with("hash:"); }

// `embed --model splade:MODEL`: one sparse vector per line, in Qdrant's shape
// {"indices": [...], "values": [...]} (indices are the model's token ids).
int EmbedSparse(const std::string& model, const std::vector<std::string>& texts) {
  auto embedder = SparseEmbedder::Load(model);
  if (!embedder.ok()) return Fail(embedder.status());
  auto vecs = (*embedder)->Embed(texts);
  if (!vecs.ok()) return Fail(vecs.status());
  std::string out;
  for (const SparseVector& v : *vecs) {
    out += "{\"indices\":[";
    for (size_t j = 0; j < v.indices.size(); ++j)
      out += (j ? "," : "") + std::to_string(v.indices[j]);
    out += "],\"values\":[";
    for (size_t j = 0; j < v.values.size(); ++j) out += (j ? "," : "") + FormatFloat(v.values[j]);
    out += "]}\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

// `embed --model colbert:MODEL [--query]`: one matrix per line, a JSON array of vectors (the
// document's non-punctuation tokens, or the query's tokens padded with [MASK]).
int EmbedMulti(const std::string& model, const std::vector<std::string>& texts, bool query) {
  auto embedder = MultiVectorEmbedder::Load(model);
  if (!embedder.ok()) return Fail(embedder.status());
  std::vector<MultiVector> matrices;
  if (query) {
    for (const std::string& t : texts) {
      auto m = (*embedder)->EmbedQuery(t);
      if (!m.ok()) return Fail(m.status());
      matrices.push_back(std::move(m).value());
    }
  } else {
    auto m = (*embedder)->EmbedDocuments(texts);
    if (!m.ok()) return Fail(m.status());
    matrices = std::move(m).value();
  }
  std::string out;
  for (const MultiVector& m : matrices) {
    out += '[';
    for (size_t t = 0; t < m.size(); ++t) {
      out += t ? ",[" : "[";
      for (size_t j = 0; j < m[t].size(); ++j) out += (j ? "," : "") + FormatFloat(m[t][j]);
      out += ']';
    }
    out += "]\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int RunEmbedCommand(const std::vector<std::string>& args) {
  std::string model;
  EmbedderOptions opts;
  opts.normalize = false;
  std::vector<std::string> texts;
  std::vector<std::string> image_files;  // --image FILE: embedded after the texts (CLIP)
  bool options_done = false;
  bool query = false;  // --query: ColBERT's query encoding
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || !a.starts_with("--")) {
      texts.push_back(a);
    } else if (a == "--") {
      options_done = true;
    } else if (a == "--model" || a == "--pooling" || a == "--quantize") {
      if (i + 1 >= args.size()) return Usage(kEmbedUsage, a + " needs a value");
      const std::string& v = args[++i];
      if (a == "--model") {
        model = v;
      } else if (a == "--quantize") {
        auto q = ParseWeightQuantization(v);
        if (!q.ok()) return Usage(kEmbedUsage, q.status().message());
        opts.quantization = *q;
      } else if (v == "mean") {
        opts.pooling = Pooling::kMean;
      } else if (v == "cls") {
        opts.pooling = Pooling::kCls;
      } else if (v == "last") {
        opts.pooling = Pooling::kLast;
      } else {
        return Usage(kEmbedUsage, "--pooling must be mean, cls or last, not '" + v + "'");
      }
    } else if (a == "--image") {
      if (i + 1 >= args.size()) return Usage(kEmbedUsage, "--image needs a file");
      image_files.push_back(args[++i]);
    } else if (a == "--normalize") {
      opts.normalize = true;
    } else if (a == "--query") {
      query = true;
    } else {
      return Usage(kEmbedUsage, "unknown option " + a);
    }
  }
  if (model.empty()) return Usage(kEmbedUsage, "--model is required");
  if (texts.empty() && image_files.empty()) return Usage(kEmbedUsage, "no text to embed");
  if (IsHashSpec(model) &&
      (opts.pooling != Pooling::kAuto || opts.quantization != WeightQuantization::kNone)) {
    // Hash embeddings have no tokens to pool and no weights to quantize.
    return Usage(kEmbedUsage, "--pooling and --quantize apply to models, not to " + model);
  }
  if (!SparseEmbedderKind(model).empty()) {
    if (opts.pooling != Pooling::kAuto || opts.quantization != WeightQuantization::kNone ||
        opts.normalize || !image_files.empty()) {
      return Usage(kEmbedUsage,
                   "--pooling, --quantize, --normalize and --image do not apply to sparse models");
    }
    if (query) return Usage(kEmbedUsage, "--query applies to colbert:MODEL models");
    return EmbedSparse(model, texts);
  }
  if (model.starts_with("colbert:")) {
    if (opts.pooling != Pooling::kAuto || opts.quantization != WeightQuantization::kNone ||
        opts.normalize || !image_files.empty()) {
      return Usage(kEmbedUsage,
                   "--pooling, --quantize, --normalize and --image do not apply to ColBERT models");
    }
    return EmbedMulti(model, texts, query);
  }
  if (query) return Usage(kEmbedUsage, "--query applies to colbert:MODEL models");
  auto embedder = Embedder::Load(model, opts);
  if (!embedder.ok()) return Fail(embedder.status());
  auto vecs = texts.empty()
                  ? Result<std::vector<std::vector<float>>>(std::vector<std::vector<float>>{})
                  : (*embedder)->Embed(texts);
  if (!vecs.ok()) return Fail(vecs.status());
  if (!image_files.empty()) {
    std::vector<std::string> images;
    for (const auto& f : image_files) {
      auto bytes = ReadFile(f);
      if (!bytes.ok()) return Fail(bytes.status());
      images.push_back(std::move(bytes).value());
    }
    auto iv = (*embedder)->EmbedImages(images);
    if (!iv.ok()) return Fail(iv.status());
    for (auto& v : *iv) vecs->push_back(std::move(v));
  }
  std::string out;
  for (const auto& v : *vecs) {
    out += '[';
    for (size_t j = 0; j < v.size(); ++j) {
      if (j) out += ',';
      out += FormatFloat(v[j]);
    }
    out += "]\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

int RunRerankCommand(const std::vector<std::string>& args) {
  std::string model, query;
  bool have_query = false;
  RerankerOptions opts;
  std::vector<std::string> docs;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || !a.starts_with("--")) {
      docs.push_back(a);
    } else if (a == "--") {
      options_done = true;
    } else if (a == "--model" || a == "--query" || a == "--quantize") {
      if (i + 1 >= args.size()) return Usage(kRerankUsage, a + " needs a value");
      if (a == "--model") {
        model = args[++i];
      } else if (a == "--quantize") {
        auto q = ParseWeightQuantization(args[++i]);
        if (!q.ok()) return Usage(kRerankUsage, q.status().message());
        opts.quantization = *q;
      } else {
        query = args[++i];
        have_query = true;
      }
    } else {
      return Usage(kRerankUsage, "unknown option " + a);
    }
  }
  if (model.empty()) return Usage(kRerankUsage, "--model is required");
  if (!have_query) return Usage(kRerankUsage, "--query is required");
  if (docs.empty()) return Usage(kRerankUsage, "no document to score");
  if (IsHashSpec(model)) {
    // Cosines of hash embeddings are lexical overlap, not relevance; they looked like scores.
    return Usage(kRerankUsage,
                 "a hash model cannot rerank; use a cross-encoder such as BAAI/bge-reranker-v2-m3 "
                 "(run `ragdb model pull BAAI/bge-reranker-v2-m3`)");
  }
  auto reranker = Reranker::Load(model, opts);
  if (!reranker.ok()) return Fail(reranker.status());
  auto scored = (*reranker)->Score(query, docs);
  if (!scored.ok()) return Fail(scored.status());
  const std::vector<float>& scores = *scored;
  std::string out;
  for (float s : scores) out += FormatFloat(s) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

int RunModelCommand(const std::vector<std::string>& args) {
  if (args.empty()) return Usage(kModelUsage, "missing subcommand");
  if (args[0] == "pull") {
#if !RAGDB_HAVE_MODEL_PULL
    return Fail(Status::Unimplemented(
        "model pull is not in this build (built without Boost and OpenSSL, e.g. the edge preset); "
        "copy a model folder into " +
        model::ModelCacheRoot() + " or pass --model DIR"));
#else
    model::PullOptions opts;
    std::vector<std::string> names;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--file") {
        if (i + 1 >= args.size()) return Usage(kModelUsage, "--file needs a file name");
        opts.files.push_back(args[++i]);
      } else if (args[i].starts_with("--")) {
        return Usage(kModelUsage, "unknown option " + args[i]);
      } else {
        names.push_back(args[i]);
      }
    }
    if (names.size() != 1) return Usage(kModelUsage, "model pull takes one model name");
    const std::vector<std::string> pull_args = {args[0], names[0]};
    const auto& args = pull_args;
    opts.progress = true;
    log::Info("model.pull", "pulling " + args[1], {{"hub", model::HubEndpoint()}});
    auto r = model::PullModel(args[1], opts);
    if (!r.ok()) return Fail(r.status());
    std::cout << "installed " << args[1] << " (" << r->files.size() << " files, " << r->bytes
              << " bytes) in " << r->dir << "\n";
    return 0;
#endif
  }
  if (args[0] == "add") {
    if (args.size() != 3) return Usage(kModelUsage, "model add takes a name and a path");
    auto r = model::AddLocalModel(args[1], args[2]);
    if (!r.ok()) return Fail(r.status());
    std::cout << "installed " << args[1] << " (" << r->files.size() << " files, " << r->bytes
              << " bytes) in " << r->dir << "\n";
    return 0;
  }
  if (args[0] == "list") {
    if (args.size() != 1) return Usage(kModelUsage, "model list takes no arguments");
    auto models = model::ListInstalledModels();
    if (models.empty()) {
      std::cerr << "no models installed in " << model::ModelCacheRoot() << "\n";
      return 0;
    }
    for (const auto& m : models) {
      char size[32];
      std::snprintf(size, sizeof(size), "%.1f MB", static_cast<double>(m.bytes) / 1e6);
      std::string files;
      for (const auto& f : m.files) files += (files.empty() ? "" : ",") + f;
      std::cout << m.name << "\t" << size << "\t" << files << "\n";
    }
    return 0;
  }
  return Usage(kModelUsage, "unknown subcommand '" + args[0] + "'");
}

}  // namespace ragdb
