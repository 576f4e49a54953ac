#include "model/llm/llm_tokenizer.h"

#include <algorithm>

#include "base/utf8.h"

namespace ragdb::model::llm {
namespace {

// End-of-turn markers of the chat formats, recognized by text when the file does not flag them.
constexpr const char* kEndOfTurnTexts[] = {"<|eot_id|>",     "<|im_end|>", "<|endoftext|>",
                                           "<end_of_turn>",  "<|end|>",    "</s>",
                                           "<|end_of_text|>"};

}  // namespace

Result<std::unique_ptr<LlmTokenizer>> LlmTokenizer::FromGguf(const GgufFile& file) {
  const std::string kind = file.StringOr("tokenizer.ggml.model", "");
  if (kind == "llama") return MakeSpmTokenizer(file);
  if (kind == "gpt2") return MakeBpeTokenizer(file);
  if (kind.empty()) {
    return Status::InvalidArgument(file.path() + ": no tokenizer (tokenizer.ggml.model missing)");
  }
  return Status::Unimplemented(file.path() + ": tokenizer '" + kind +
                               "' is not supported (llama and gpt2 are)");
}

Result<std::unique_ptr<LlmTokenizer>> LlmTokenizer::FromLlama2c(const std::string& path,
                                                                size_t vocab_size) {
  return MakeSpmTokenizerFromLlama2c(path, vocab_size);
}

Status LlmTokenizer::LoadGgufVocab(const GgufFile& f) {
  const GgufValue* tokens = f.Find("tokenizer.ggml.tokens");
  if (!tokens || tokens->kind != GgufValue::Kind::kArray || tokens->array.empty()) {
    return Status::InvalidArgument(f.path() + ": tokenizer.ggml.tokens is missing or empty");
  }
  const size_t n = tokens->array.size();
  tokens_.reserve(n);
  for (const auto& t : tokens->array) {
    if (t.kind != GgufValue::Kind::kString) {
      return Status::InvalidArgument(f.path() + ": tokenizer.ggml.tokens holds a non-string");
    }
    tokens_.push_back(t.s);
  }
  scores_.assign(n, 0.0f);
  if (const GgufValue* s = f.Find("tokenizer.ggml.scores")) {
    if (s->kind != GgufValue::Kind::kArray || s->array.size() != n) {
      return Status::InvalidArgument(f.path() +
                                     ": tokenizer.ggml.scores does not match the tokens");
    }
    for (size_t i = 0; i < n; ++i) scores_[i] = static_cast<float>(s->array[i].f);
  }
  types_.assign(n, TokenType::kNormal);
  if (const GgufValue* t = f.Find("tokenizer.ggml.token_type")) {
    if (t->kind != GgufValue::Kind::kArray || t->array.size() != n) {
      return Status::InvalidArgument(f.path() +
                                     ": tokenizer.ggml.token_type does not match the tokens");
    }
    for (size_t i = 0; i < n; ++i) types_[i] = static_cast<TokenType>(t->array[i].i);
  }
  auto id = [&](const char* key, int32_t fallback) -> Result<int32_t> {
    const GgufValue* v = f.Find(key);
    if (!v) return fallback;
    int64_t x = v->kind == GgufValue::Kind::kUInt ? static_cast<int64_t>(v->u) : v->i;
    if (x < 0 || static_cast<size_t>(x) >= n) {
      // llama.cpp writes -1 (as u32 0xFFFFFFFF) for "none".
      if (x == 0xFFFFFFFFll || x == -1) return -1;
      return Status::InvalidArgument(f.path() + ": " + key + " = " + std::to_string(x) +
                                     " is outside the vocabulary");
    }
    return static_cast<int32_t>(x);
  };
  RAGDB_ASSIGN_OR_RETURN(bos_, id("tokenizer.ggml.bos_token_id", bos_));
  RAGDB_ASSIGN_OR_RETURN(eos_, id("tokenizer.ggml.eos_token_id", eos_));
  RAGDB_ASSIGN_OR_RETURN(unk_, id("tokenizer.ggml.unknown_token_id", unk_));
  RAGDB_ASSIGN_OR_RETURN(int32_t eot, id("tokenizer.ggml.eot_token_id", -1));
  if (eot >= 0) eog_.insert(eot);
  add_bos_ = f.BoolOr("tokenizer.ggml.add_bos_token", add_bos_);
  add_eos_ = f.BoolOr("tokenizer.ggml.add_eos_token", add_eos_);
  chat_template_ = f.StringOr("tokenizer.chat_template", "");
  return Status::Ok();
}

void LlmTokenizer::Finish() {
  index_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    index_.emplace(tokens_[i], static_cast<int32_t>(i));
    if ((types_[i] == TokenType::kControl || types_[i] == TokenType::kUserDefined) &&
        !tokens_[i].empty()) {
      specials_.push_back(static_cast<int32_t>(i));
    }
  }
  std::stable_sort(specials_.begin(), specials_.end(),
                   [&](int32_t a, int32_t b) { return tokens_[a].size() > tokens_[b].size(); });
  for (int32_t id : specials_)
    special_first_bytes_[static_cast<unsigned char>(tokens_[id][0])] = true;
  if (eos_ >= 0) eog_.insert(eos_);
  for (const char* text : kEndOfTurnTexts) {
    int32_t id = Find(text);
    if (id >= 0 && types_[id] == TokenType::kControl) eog_.insert(id);
  }
}

int32_t LlmTokenizer::Find(std::string_view text) const {
  auto it = index_.find(std::string(text));
  return it == index_.end() ? -1 : it->second;
}

std::vector<int32_t> LlmTokenizer::Encode(std::string_view text, bool add_bos,
                                          bool parse_special) const {
  std::vector<int32_t> out;
  if (add_bos && bos_ >= 0) out.push_back(bos_);
  bool first = true;
  size_t start = 0;
  if (parse_special && !specials_.empty()) {
    for (size_t i = 0; i < text.size();) {
      int32_t hit = -1;
      if (special_first_bytes_[static_cast<unsigned char>(text[i])]) {
        for (int32_t id : specials_) {
          const std::string& s = tokens_[id];
          if (text.compare(i, s.size(), s) == 0) {
            hit = id;
            break;
          }
        }
      }
      if (hit < 0) {
        ++i;
        continue;
      }
      if (i > start) EncodeText(text.substr(start, i - start), first, &out);
      out.push_back(hit);
      first = true;
      i += tokens_[hit].size();
      start = i;
    }
  }
  if (start < text.size()) EncodeText(text.substr(start), first, &out);
  return out;
}

std::string LlmTokenizer::Piece(int32_t id, bool special) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) return "";
  const TokenType t = types_[id];
  if (t == TokenType::kControl || t == TokenType::kUnknown || t == TokenType::kUnused) {
    return special ? tokens_[id] : "";
  }
  if (t == TokenType::kUserDefined) return tokens_[id];
  return PieceBytes(id);
}

std::string LlmTokenizer::Decode(const std::vector<int32_t>& ids, bool after_bos) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string p = Piece(ids[i]);
    if (i == 0 && after_bos && space_prefix_ && !p.empty() && p[0] == ' ') p.erase(0, 1);
    out += p;
  }
  return out;
}

std::string Utf8Stream::Push(std::string_view bytes) {
  pending_.append(bytes);
  // Keep back the bytes of a character whose lead byte is there but not all its continuations.
  size_t cut = pending_.size();
  for (size_t back = 1; back <= 4 && back <= pending_.size(); ++back) {
    const unsigned char c = static_cast<unsigned char>(pending_[pending_.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (need > back) cut = pending_.size() - back;
    break;
  }
  std::string ready = pending_.substr(0, cut);
  pending_.erase(0, cut);
  return ready;
}

std::string Utf8Stream::Flush() {
  std::string rest;
  if (!pending_.empty()) rest = "\xEF\xBF\xBD";
  pending_.clear();
  return rest;
}

}  // namespace ragdb::model::llm
