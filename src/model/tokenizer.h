// Text -> token ids the way the model's Hugging Face tokenizer produces them: normalizer,
// pre-tokenizer, subword model, then the special-token template, with truncation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/model_config.h"
#include "ragdb/status.h"

namespace ragdb::model {

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  // Tokens the attention may look at: the first `attended` (the rest are padding that still gets
  // an output, as ColBERT's query [MASK]s); 0 = all.
  size_t attended = 0;
};

// The special-token layout of single texts and pairs.
struct TemplatePiece {
  int32_t special_id = -1;  // >= 0: a special token; else the sequence `seq` (0 = A, 1 = B)
  int seq = 0;
  int32_t type_id = 0;
};
struct PostProcessor {
  std::vector<TemplatePiece> single;
  std::vector<TemplatePiece> pair;
};

class Tokenizer {
 public:
  // Internal: the text -> ids stage (without specials).
  class Core {
   public:
    virtual ~Core() = default;
    virtual Status Tokenize(std::string_view text, std::vector<int32_t>* ids) const = 0;
    virtual int32_t TokenToId(const std::string& token) const = 0;
  };

  // Prefers tokenizer.json, then vocab.txt (BERT), then sentencepiece.bpe.model (XLM-R, with the
  // fairseq id offset). tokenizer_config.json supplies model_max_length and do_lower_case.
  static Result<std::unique_ptr<Tokenizer>> Load(const std::string& dir, Arch arch);
  static Result<std::unique_ptr<Tokenizer>> FromTokenizerJson(const std::string& json_text,
                                                              Arch arch);
  static Result<std::unique_ptr<Tokenizer>> FromVocabTxt(const std::string& text, bool lowercase);
  static Result<std::unique_ptr<Tokenizer>> FromSentencePiece(const std::string& path);

  // Token ids of one text, no specials, no truncation. Fails on invalid UTF-8.
  Result<std::vector<int32_t>> Tokenize(std::string_view text) const;
  // With specials, truncated so the result has at most max_length ids (0 = no limit).
  Result<Encoding> Encode(std::string_view text, size_t max_length) const;
  // Pair: truncated longest-first (one token at a time from the longer side).
  Result<Encoding> EncodePair(std::string_view a, std::string_view b, size_t max_length) const;

  size_t model_max_length() const { return model_max_length_; }
  int32_t TokenToId(const std::string& token) const { return core_->TokenToId(token); }

 private:
  Tokenizer(std::unique_ptr<Core> core, PostProcessor post)
      : core_(std::move(core)), post_(std::move(post)) {}
  Encoding Assemble(const std::vector<TemplatePiece>& tmpl, const std::vector<int32_t>& a,
                    const std::vector<int32_t>* b) const;

  std::unique_ptr<Core> core_;
  PostProcessor post_;
  size_t model_max_length_ = 0;
};

}  // namespace ragdb::model
