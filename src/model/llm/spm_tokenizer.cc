// SentencePiece BPE as llama.cpp and llama2.c run it: the text (with a leading space, spaces as
// U+2581) is split into characters, then the adjacent pair whose joined text is a vocabulary
// piece with the highest score is merged, leftmost first on ties, until no pair is a piece.
// Characters left outside the vocabulary become their UTF-8 bytes' <0xXX> tokens.
#include <cstring>
#include <queue>

#include "base/file.h"
#include "base/utf8.h"
#include "model/llm/llm_tokenizer.h"

namespace ragdb::model::llm {
namespace {

class SpmTokenizer : public LlmTokenizer {
 public:
  Status LoadGguf(const GgufFile& f) {
    kind_ = "llama";
    RAGDB_RETURN_IF_ERROR(LoadGgufVocab(f));
    space_prefix_ = f.BoolOr("tokenizer.ggml.add_space_prefix", true);
    space_ = "\xE2\x96\x81";  // U+2581
    if (!f.Find("tokenizer.ggml.add_bos_token")) add_bos_ = true;
    return Init();
  }

  Status LoadLlama2c(const std::string& path, size_t vocab_size) {
    kind_ = "llama";
    RAGDB_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
    size_t pos = 0;
    auto get = [&](void* dst, size_t n) {
      if (bytes.size() - pos < n) return false;
      std::memcpy(dst, bytes.data() + pos, n);
      pos += n;
      return true;
    };
    int32_t max_len = 0;
    if (!get(&max_len, 4) || max_len <= 0 || max_len > 4096) {
      return Status::Corruption(path + ": not a llama2.c tokenizer (bad header)");
    }
    for (size_t i = 0; i < vocab_size; ++i) {
      float score;
      int32_t len;
      if (!get(&score, 4) || !get(&len, 4) || len < 0 || len > max_len ||
          bytes.size() - pos < static_cast<size_t>(len)) {
        return Status::Corruption(path + ": truncated at token " + std::to_string(i) + " of " +
                                  std::to_string(vocab_size));
      }
      tokens_.emplace_back(bytes.data() + pos, len);
      pos += len;
      scores_.push_back(score);
    }
    // llama2.c's export writes U+2581 as a plain space and marks no types: ids 0..2 are
    // <unk> <s> </s>, and <0xXX> pieces are bytes.
    types_.assign(vocab_size, TokenType::kNormal);
    for (size_t i = 0; i < vocab_size; ++i) {
      if (IsBytePiece(tokens_[i])) types_[i] = TokenType::kByte;
    }
    if (vocab_size > 2) {
      types_[0] = TokenType::kUnknown;
      types_[1] = types_[2] = TokenType::kControl;
      unk_ = 0;
      bos_ = 1;
      eos_ = 2;
    }
    add_bos_ = true;
    space_prefix_ = true;
    space_ = " ";
    return Init();
  }

 protected:
  void EncodeText(std::string_view text, bool first, std::vector<int32_t>* out) const override {
    std::string s;
    if (first && space_prefix_) s = space_;
    for (char c : text) {
      if (c == ' ')
        s += space_;
      else
        s += c;
    }
    if (s.empty()) return;
    // Symbols: characters, linked left and right; merged ones keep the left index.
    struct Symbol {
      size_t start, len;
      int prev, next;
    };
    std::vector<Symbol> sym;
    for (size_t i = 0; i < s.size();) {
      size_t j = i;
      char32_t cp;
      if (!DecodeUtf8(s, &j, &cp)) j = i + 1;  // a stray byte is a symbol of its own
      sym.push_back({i, j - i, static_cast<int>(sym.size()) - 1, static_cast<int>(sym.size()) + 1});
      i = j;
    }
    sym.back().next = -1;
    struct Bigram {
      int left, right;
      float score;
      size_t len;
      bool operator<(const Bigram& o) const {
        return score < o.score || (score == o.score && left > o.left);
      }
    };
    std::priority_queue<Bigram> queue;
    auto try_add = [&](int left, int right) {
      if (left < 0 || right < 0) return;
      const size_t len = sym[left].len + sym[right].len;
      auto it = index_.find(s.substr(sym[left].start, len));
      if (it == index_.end()) return;
      queue.push({left, right, scores_[it->second], len});
    };
    for (size_t i = 1; i < sym.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));
    while (!queue.empty()) {
      Bigram b = queue.top();
      queue.pop();
      Symbol& l = sym[b.left];
      Symbol& r = sym[b.right];
      // Stale: one side was merged into something else since this pair was queued.
      if (l.len == 0 || r.len == 0 || l.len + r.len != b.len || l.next != b.right) continue;
      l.len += r.len;
      r.len = 0;
      l.next = r.next;
      if (r.next >= 0) sym[r.next].prev = b.left;
      try_add(l.prev, b.left);
      try_add(b.left, l.next);
    }
    for (int i = 0; i != -1; i = sym[i].next) {
      const std::string piece = s.substr(sym[i].start, sym[i].len);
      auto it = index_.find(piece);
      if (it != index_.end()) {
        out->push_back(it->second);
        continue;
      }
      for (unsigned char c : piece) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", c);
        int32_t id = Find(name);
        out->push_back(id >= 0 ? id : unk_);
      }
    }
  }

  std::string PieceBytes(int32_t id) const override {
    const std::string& t = tokens_[id];
    if (types_[id] == TokenType::kByte && IsBytePiece(t)) {
      return std::string(1, static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16)));
    }
    if (space_ == " ") return t;
    std::string out;
    for (size_t i = 0; i < t.size();) {
      if (t.compare(i, space_.size(), space_) == 0) {
        out += ' ';
        i += space_.size();
      } else {
        out += t[i++];
      }
    }
    return out;
  }

 private:
  static bool IsBytePiece(const std::string& t) {
    return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' &&
           std::isxdigit(static_cast<unsigned char>(t[3])) &&
           std::isxdigit(static_cast<unsigned char>(t[4]));
  }
  Status Init() {
    if (unk_ < 0) unk_ = Find("<unk>");
    Finish();
    return Status::Ok();
  }

  std::string space_;
};

}  // namespace

Result<std::unique_ptr<LlmTokenizer>> MakeSpmTokenizer(const GgufFile& file) {
  auto t = std::make_unique<SpmTokenizer>();
  RAGDB_RETURN_IF_ERROR(t->LoadGguf(file));
  return std::unique_ptr<LlmTokenizer>(std::move(t));
}

Result<std::unique_ptr<LlmTokenizer>> MakeSpmTokenizerFromLlama2c(const std::string& path,
                                                                  size_t vocab_size) {
  auto t = std::make_unique<SpmTokenizer>();
  RAGDB_RETURN_IF_ERROR(t->LoadLlama2c(path, vocab_size));
  return std::unique_ptr<LlmTokenizer>(std::move(t));
}

}  // namespace ragdb::model::llm
