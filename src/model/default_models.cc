#include "model/default_models.h"

#include "base/log.h"
#include "base/utf8.h"
#include "model/model_cache.h"
#include "model/model_pull.h"

namespace ragdb::model {
namespace {

// Letters and ideographs outside Latin script. Punctuation, symbols and full-width forms of
// ASCII do not count, so "“Hello,” she said。" stays English.
bool IsNonLatinLetter(char32_t c) {
  if (c < 0x0370) return false;                  // ASCII, Latin-1, Latin Extended, IPA
  if (c >= 0x1E00 && c <= 0x1EFF) return false;  // Latin Extended Additional (Vietnamese)
  if (c >= 0x2000 && c <= 0x2BFF) return false;  // punctuation, symbols, arrows, math
  if (c >= 0x3000 && c <= 0x303F) return false;  // CJK punctuation
  if (c >= 0xFF00 && c <= 0xFF65) return false;  // full-width ASCII and punctuation
  if (c >= 0xFE00 && c <= 0xFE6F) return false;  // variation selectors, CJK compatibility forms
  if (c >= 0x1F000) return c >= 0x20000 && c <= 0x3134F;  // emoji no; CJK extensions B.. yes
  return true;
}

bool IsLatinLetter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x1E00 && c <= 0x1EFF);
}

}  // namespace

const std::vector<DefaultModel>& DefaultModels() {
  static const std::vector<DefaultModel> kModels = {
      // bge v1.5 retrieves without the instruction too, but its card recommends it for short
      // queries against passages, which is what search and retrieve do.
      {"bge-small-en-v1.5", "BAAI/bge-small-en-v1.5",
       "Represent this sentence for searching relevant passages: ", "", Pooling::kCls, "English"},
      {"multilingual-e5-small", "intfloat/multilingual-e5-small",
       "query: ", "passage: ", Pooling::kMean, "about 100 languages, Chinese included"},
  };
  return kModels;
}

const DefaultModel* FindDefaultModel(std::string_view spec) {
  std::string base(spec);
  StripInt8Suffix(&base);
  for (const DefaultModel& m : DefaultModels()) {
    if (base == m.name || base == m.repo) return &m;
  }
  return nullptr;
}

double NonLatinLetterShare(std::string_view sample) {
  size_t latin = 0, other = 0;
  for (size_t i = 0; i < sample.size();) {
    char32_t c;
    if (!DecodeUtf8(sample, &i, &c)) {
      ++i;
      continue;
    }
    if (IsLatinLetter(c)) {
      ++latin;
    } else if (IsNonLatinLetter(c)) {
      ++other;
    }
  }
  return latin + other == 0 ? 0.0 : static_cast<double>(other) / static_cast<double>(latin + other);
}

const DefaultModel& ChooseDefaultModel(std::string_view sample) {
  // A Chinese text with English terms in it is still mostly ideographs; an English text quoting
  // a few Chinese names is not. A fifth separates the two with a wide margin either way.
  const bool multilingual = NonLatinLetterShare(sample) >= 0.2;
  return DefaultModels()[multilingual ? 1 : 0];
}

Result<std::string> EnsureInstalled(const DefaultModel& model) {
  std::string dir = FindInstalledModel(model.repo);
  if (!dir.empty()) return dir;
#if !RAGDB_HAVE_MODEL_PULL
  // Builds without the HTTP client (the edge preset) cannot download; the model is copied in.
  return Status::NotFound(std::string("the default embedder ") + model.name +
                          " is not installed and this build cannot download models; copy its "
                          "folder into " +
                          ModelCacheRoot() + "/" + model.repo + " or use --embedder hash");
#else
  log::Info("model.pull",
            std::string("downloading the default embedder ") + model.name + " (first use)",
            {{"model", model.repo}, {"hub", HubEndpoint()}, {"cache", ModelCacheRoot()}});
  PullOptions opts;
  opts.progress = true;
  auto pulled = PullModel(model.repo, opts);
  if (!pulled.ok()) {
    return Status(pulled.status().code(),
                  std::string("the default embedder ") + model.name +
                      " is not installed and cannot be downloaded (" + pulled.status().message() +
                      "); run `ragdb model pull " + model.name + "` when the hub is reachable");
  }
  return pulled->dir;
#endif
}

}  // namespace ragdb::model

namespace ragdb {

AutoEmbedder ResolveAutoEmbedder(std::string_view sample) {
  const model::DefaultModel& chosen = model::ChooseDefaultModel(sample);
  auto installed = model::EnsureInstalled(chosen);
  if (installed.ok()) return AutoEmbedder{chosen.name, ""};
  return AutoEmbedder{"hash", installed.status().message()};
}

}  // namespace ragdb
