// The normalizer and pre-tokenizer stages of a Hugging Face tokenizer.json, for the kinds BERT
// and XLM-RoBERTa checkpoints use. "Precompiled" (SentencePiece's nmt_nfkc character map) is
// approximated by ICU NFKC plus nmt_nfkc's control-character rules: the map itself is not
// decoded, so rare characters whose nmt_nfkc mapping differs from NFKC may tokenize differently.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::model {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::u32string Apply(std::u32string s) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits every word of `words` further.
  virtual std::vector<std::u32string> Apply(std::vector<std::u32string> words) const = 0;
};

struct BertNormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

std::unique_ptr<Normalizer> MakeBertNormalizer(BertNormalizerOptions options);
std::unique_ptr<PreTokenizer> MakeBertPreTokenizer();
std::unique_ptr<PreTokenizer> MakeMetaspace(char32_t replacement, bool prepend, bool split);

// From the "normalizer" / "pre_tokenizer" objects of tokenizer.json (null gives nullptr). An
// unsupported type is an error naming it.
Result<std::unique_ptr<Normalizer>> ParseNormalizer(const nlohmann::json& j);
Result<std::unique_ptr<PreTokenizer>> ParsePreTokenizer(const nlohmann::json& j);

}  // namespace ragdb::model
