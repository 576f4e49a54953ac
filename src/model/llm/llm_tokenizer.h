// The tokenizers of decoder models, built from a GGUF file's tokenizer.ggml.* metadata or a
// llama2.c tokenizer file:
//   - "llama": SentencePiece BPE (Llama 1/2, Mistral, Gemma, TinyLlama): text with spaces as
//     U+2581 and a leading space, characters merged pairwise by the highest piece score, bytes
//     of characters outside the vocabulary as <0xXX> tokens.
//   - "gpt2": byte-level BPE (GPT-2, Llama 3, Qwen2/2.5/3): the text is split by the model's
//     pre-tokenizer (pretokenize.h), each piece's bytes mapped to printable characters and merged
//     by the rank of the merge rules.
// Control and user-defined tokens ("<|im_start|>", "<|eot_id|>") are matched in the text only
// when asked (chat templates), so user text cannot inject them.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/llm/gguf.h"
#include "ragdb/status.h"

namespace ragdb::model::llm {

enum class TokenType : int32_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6
};

class LlmTokenizer {
 public:
  virtual ~LlmTokenizer() = default;

  static Result<std::unique_ptr<LlmTokenizer>> FromGguf(const GgufFile& file);
  // llama2.c's tokenizer.bin: i32 max_token_length, then per token f32 score, i32 length, bytes.
  // It is the SentencePiece vocabulary of the model (ids 0..2 <unk> <s> </s>, then bytes).
  static Result<std::unique_ptr<LlmTokenizer>> FromLlama2c(const std::string& path,
                                                           size_t vocab_size);

  // Token ids of `text`; BOS first when `add_bos` and the model uses one. With `parse_special`,
  // control and user-defined token texts in `text` become their ids.
  std::vector<int32_t> Encode(std::string_view text, bool add_bos, bool parse_special) const;
  // The bytes of a token (may end inside a UTF-8 character). Control tokens give "" unless
  // `special` (then their text).
  std::string Piece(int32_t id, bool special = false) const;
  // The text of a sequence of generated tokens: pieces joined, the leading space SentencePiece
  // adds removed when `after_bos` (the sequence starts right after BOS).
  std::string Decode(const std::vector<int32_t>& ids, bool after_bos = false) const;

  size_t size() const { return tokens_.size(); }
  const std::string& token(int32_t id) const { return tokens_[id]; }
  int32_t bos() const { return bos_; }
  int32_t eos() const { return eos_; }
  bool adds_bos() const { return add_bos_ && bos_ >= 0; }
  // Whether the model's inputs end with EOS (embedding models: tokenizer.ggml.add_eos_token).
  bool adds_eos() const { return add_eos_ && eos_ >= 0; }
  bool strips_leading_space() const { return space_prefix_; }
  // EOS, EOT and the end-of-turn tokens of the chat formats this vocabulary has.
  bool IsEndOfGeneration(int32_t id) const { return eog_.count(id) != 0; }
  // The id of a token given by its exact text, or -1.
  int32_t Find(std::string_view text) const;
  const std::string& chat_template() const { return chat_template_; }
  const std::string& model_kind() const { return kind_; }  // "llama" | "gpt2"

 protected:
  LlmTokenizer() = default;
  // Appends the ids of a run of plain text (no special tokens in it). `first` = the run begins
  // the input or follows a special token (SentencePiece then adds its space prefix).
  virtual void EncodeText(std::string_view text, bool first, std::vector<int32_t>* out) const = 0;
  virtual std::string PieceBytes(int32_t id) const = 0;
  void Finish();  // builds the lookup tables once tokens_ / types_ / specials are set

  std::string kind_;
  std::vector<std::string> tokens_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string, int32_t> index_;
  std::vector<int32_t> specials_;                // control / user-defined ids, longest text first
  std::array<bool, 256> special_first_bytes_{};  // bytes a special token's text starts with
  std::unordered_set<int32_t> eog_;
  int32_t bos_ = -1, eos_ = -1, unk_ = -1;
  bool add_bos_ = false;
  bool add_eos_ = false;
  bool space_prefix_ = false;
  std::string chat_template_;
  // Reads the vocabulary, scores, types and special ids of tokenizer.ggml.*.
  Status LoadGgufVocab(const GgufFile& file);
};

// A byte-level BPE vocabulary from any source (GGUF metadata, Hugging Face tokenizer.json).
struct BpeVocab {
  std::vector<std::string> tokens;
  std::vector<TokenType> types;     // kControl / kUserDefined for added tokens
  std::vector<std::string> merges;  // "left right", by rank
  std::string pre = "default";      // pre-tokenizer name (pretokenize.h)
  int32_t bos = -1, eos = -1;
  bool add_bos = false, add_eos = false;
  std::string chat_template;
  std::string source;  // for messages
};
Result<std::unique_ptr<LlmTokenizer>> MakeBpeTokenizer(BpeVocab vocab);

// The two kinds (spm_tokenizer.cc, bpe_tokenizer.cc).
Result<std::unique_ptr<LlmTokenizer>> MakeSpmTokenizer(const GgufFile& file);
Result<std::unique_ptr<LlmTokenizer>> MakeSpmTokenizerFromLlama2c(const std::string& path,
                                                                  size_t vocab_size);
Result<std::unique_ptr<LlmTokenizer>> MakeBpeTokenizer(const GgufFile& file);

// Assembles streamed token bytes into whole UTF-8 characters: Push returns the complete text
// so far not yet returned, holding back an unfinished character.
class Utf8Stream {
 public:
  std::string Push(std::string_view bytes);
  std::string Flush();  // what is left (an incomplete character's bytes as U+FFFD)

 private:
  std::string pending_;
};

}  // namespace ragdb::model::llm
