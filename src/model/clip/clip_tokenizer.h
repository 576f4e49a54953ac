// CLIP's text tokenizer: byte-level BPE with an end-of-word suffix "</w>", as Hugging Face's
// CLIPTokenizer(Fast) runs it:
//   normalize: NFC, runs of whitespace -> one space, lowercase;
//   split: <|startoftext|> | <|endoftext|> | 's 't 're 've 'm 'll 'd | letters+ | one digit |
//          other non-space characters+ (whitespace is dropped);
//   each piece's UTF-8 bytes mapped to GPT-2's printable byte alphabet, "</w>" added to its last
//   symbol, then pairs merged by rank from the merges list;
//   <|startoftext|> ... <|endoftext|> around the ids, truncated to the model's 77 tokens.
// Loaded from tokenizer.json (model type BPE) or vocab.json + merges.txt. Known approximation:
// the slow tokenizer's optional ftfy / HTML-unescape cleanup is not done, and special-token
// strings typed in a text are tokenized as text (as the BERT tokenizers here do).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::model::clip {

class ClipTokenizer {
 public:
  static Result<std::unique_ptr<ClipTokenizer>> Load(const std::string& dir);
  static Result<std::unique_ptr<ClipTokenizer>> FromTokenizerJson(const std::string& json_text);
  static Result<std::unique_ptr<ClipTokenizer>> FromVocabAndMerges(const std::string& vocab_json,
                                                                   const std::string& merges_txt);

  // Ids without the special tokens; fails on invalid UTF-8.
  Result<std::vector<int32_t>> Tokenize(std::string_view text) const;
  // With <|startoftext|> and <|endoftext|>, at most `max_length` ids (>= 2).
  Result<std::vector<int32_t>> Encode(std::string_view text, size_t max_length) const;

  int32_t bos_id() const { return bos_; }
  int32_t eos_id() const { return eos_; }
  size_t vocab_size() const { return vocab_.size(); }

 private:
  ClipTokenizer() = default;
  Status Finish();  // looks up the special tokens
  void Bpe(const std::string& piece, std::vector<int32_t>* ids) const;

  std::unordered_map<std::string, int32_t> vocab_;  // token (byte-level UTF-8) -> id
  std::unordered_map<std::string, int> ranks_;      // "left right" -> merge priority
  int32_t bos_ = -1, eos_ = -1, unk_ = -1;
};

}  // namespace ragdb::model::clip
