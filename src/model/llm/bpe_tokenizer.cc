// Byte-level BPE (GPT-2's scheme, used by Llama 3 and Qwen): each pre-tokenizer piece's bytes are
// mapped to printable characters (bytes 0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF map to themselves, the
// others to U+0100 upwards), then the adjacent pair with the lowest merge rank is joined until
// none is in the merge list; each resulting symbol is a vocabulary token.
#include <queue>
#include <unordered_map>

#include "base/utf8.h"
#include "model/llm/llm_tokenizer.h"
#include "model/llm/pretokenize.h"

namespace ragdb::model::llm {
namespace {

struct ByteMap {
  std::string to_text[256];                       // byte -> its character's UTF-8
  std::unordered_map<char32_t, uint8_t> from_cp;  // character -> byte
  ByteMap() {
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
      AppendUtf8(cp, &to_text[b]);
      from_cp[cp] = static_cast<uint8_t>(b);
    }
  }
};

const ByteMap& Bytes() {
  static const ByteMap m;
  return m;
}

class BpeTokenizer : public LlmTokenizer {
 public:
  Status Load(BpeVocab v) {
    kind_ = "gpt2";
    if (v.tokens.empty()) return Status::InvalidArgument(v.source + ": the vocabulary is empty");
    if (v.types.size() != v.tokens.size()) v.types.resize(v.tokens.size(), TokenType::kNormal);
    if (!PreTokenizerByName(v.pre, &pre_)) {
      return Status::Unimplemented(v.source + ": pre-tokenizer '" + v.pre +
                                   "' is not supported (default/gpt-2, llama-bpe/llama3, "
                                   "qwen2 are)");
    }
    // Llama 3's tokenizer takes a whole piece that is a token as is, before any merge.
    ignore_merges_ = pre_ == PreTokenizer::kLlama3;
    ranks_.reserve(v.merges.size());
    for (size_t i = 0; i < v.merges.size(); ++i) {
      if (v.merges[i].find(' ', 1) == std::string::npos) {
        return Status::InvalidArgument(v.source + ": merge " + std::to_string(i) +
                                       " is not 'left right'");
      }
      ranks_.emplace(std::move(v.merges[i]), static_cast<int32_t>(i));
    }
    tokens_ = std::move(v.tokens);
    types_ = std::move(v.types);
    scores_.assign(tokens_.size(), 0.0f);
    auto in_range = [&](int32_t id) { return id >= 0 && static_cast<size_t>(id) < tokens_.size(); };
    bos_ = in_range(v.bos) ? v.bos : -1;
    eos_ = in_range(v.eos) ? v.eos : -1;
    add_bos_ = v.add_bos;
    add_eos_ = v.add_eos;
    chat_template_ = std::move(v.chat_template);
    Finish();
    return Status::Ok();
  }

  // The GGUF metadata as a BpeVocab.
  static Result<BpeVocab> FromGguf(const GgufFile& f) {
    BpeTokenizer base;
    RAGDB_RETURN_IF_ERROR(base.LoadGgufVocab(f));
    BpeVocab v;
    v.source = f.path();
    v.tokens = std::move(base.tokens_);
    v.types = std::move(base.types_);
    v.pre = f.StringOr("tokenizer.ggml.pre", "default");
    v.bos = base.bos_;
    v.eos = base.eos_;
    v.add_bos = base.add_bos_;
    v.add_eos = base.add_eos_;
    v.chat_template = base.chat_template_;
    const GgufValue* merges = f.Find("tokenizer.ggml.merges");
    if (!merges || merges->kind != GgufValue::Kind::kArray) {
      return Status::InvalidArgument(f.path() + ": tokenizer.ggml.merges is missing");
    }
    for (const auto& m : merges->array) {
      if (m.kind != GgufValue::Kind::kString) {
        return Status::InvalidArgument(f.path() + ": tokenizer.ggml.merges holds a non-string");
      }
      v.merges.push_back(m.s);
    }
    return v;
  }

 protected:
  void EncodeText(std::string_view text, bool, std::vector<int32_t>* out) const override {
    const ByteMap& bm = Bytes();
    for (std::string_view piece : PreTokenize(text, pre_)) {
      std::string mapped;
      std::vector<size_t> starts;  // byte offset of each character of `mapped`
      for (unsigned char c : piece) {
        starts.push_back(mapped.size());
        mapped += bm.to_text[c];
      }
      if (ignore_merges_) {
        auto it = index_.find(mapped);
        if (it != index_.end()) {
          out->push_back(it->second);
          continue;
        }
      }
      Merge(mapped, starts, out);
    }
  }

  std::string PieceBytes(int32_t id) const override {
    const ByteMap& bm = Bytes();
    const std::string& t = tokens_[id];
    std::string out;
    for (size_t i = 0; i < t.size();) {
      size_t j = i;
      char32_t cp;
      if (!DecodeUtf8(t, &j, &cp)) {
        out += t[i++];
        continue;
      }
      auto it = bm.from_cp.find(cp);
      if (it != bm.from_cp.end())
        out += static_cast<char>(it->second);
      else
        out.append(t, i, j - i);
      i = j;
    }
    return out;
  }

 private:
  void Merge(const std::string& s, const std::vector<size_t>& starts,
             std::vector<int32_t>* out) const {
    struct Symbol {
      size_t start, len;
      int prev, next;
    };
    std::vector<Symbol> sym(starts.size());
    for (size_t i = 0; i < starts.size(); ++i) {
      const size_t end = i + 1 < starts.size() ? starts[i + 1] : s.size();
      sym[i] = {starts[i], end - starts[i], static_cast<int>(i) - 1, static_cast<int>(i) + 1};
    }
    if (sym.empty()) return;
    sym.back().next = -1;
    struct Bigram {
      int left, right;
      int32_t rank;
      size_t len;
      bool operator<(const Bigram& o) const {
        return rank > o.rank || (rank == o.rank && left > o.left);
      }
    };
    std::priority_queue<Bigram> queue;
    std::string key;
    auto try_add = [&](int left, int right) {
      if (left < 0 || right < 0) return;
      key.assign(s, sym[left].start, sym[left].len);
      key += ' ';
      key.append(s, sym[right].start, sym[right].len);
      auto it = ranks_.find(key);
      if (it == ranks_.end()) return;
      queue.push({left, right, it->second, sym[left].len + sym[right].len});
    };
    for (size_t i = 1; i < sym.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));
    while (!queue.empty()) {
      Bigram b = queue.top();
      queue.pop();
      Symbol& l = sym[b.left];
      Symbol& r = sym[b.right];
      if (l.len == 0 || r.len == 0 || l.len + r.len != b.len || l.next != b.right) continue;
      l.len += r.len;
      r.len = 0;
      l.next = r.next;
      if (r.next >= 0) sym[r.next].prev = b.left;
      try_add(l.prev, b.left);
      try_add(b.left, l.next);
    }
    for (int i = 0; i != -1; i = sym[i].next) {
      auto it = index_.find(s.substr(sym[i].start, sym[i].len));
      if (it != index_.end()) {
        out->push_back(it->second);
        continue;
      }
      // Not a token (an incomplete vocabulary): one token per mapped byte character.
      const std::string sub = s.substr(sym[i].start, sym[i].len);
      for (size_t k = 0; k < sub.size();) {
        size_t j = k;
        char32_t cp;
        if (!DecodeUtf8(sub, &j, &cp)) j = k + 1;
        auto t = index_.find(sub.substr(k, j - k));
        out->push_back(t != index_.end() ? t->second : (unk_ >= 0 ? unk_ : 0));
        k = j;
      }
    }
  }

  PreTokenizer pre_ = PreTokenizer::kGpt2;
  bool ignore_merges_ = false;
  std::unordered_map<std::string, int32_t> ranks_;
};

}  // namespace

Result<std::unique_ptr<LlmTokenizer>> MakeBpeTokenizer(BpeVocab vocab) {
  auto t = std::make_unique<BpeTokenizer>();
  RAGDB_RETURN_IF_ERROR(t->Load(std::move(vocab)));
  return std::unique_ptr<LlmTokenizer>(std::move(t));
}

Result<std::unique_ptr<LlmTokenizer>> MakeBpeTokenizer(const GgufFile& file) {
  RAGDB_ASSIGN_OR_RETURN(BpeVocab v, BpeTokenizer::FromGguf(file));
  return MakeBpeTokenizer(std::move(v));
}

}  // namespace ragdb::model::llm
