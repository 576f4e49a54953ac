#include "model/clip/clip_tokenizer.h"

#include <array>
#include <climits>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "model/unicode_text.h"

namespace ragdb::model::clip {
namespace {

using nlohmann::json;

constexpr std::string_view kEndOfWord = "</w>";

// GPT-2's byte -> printable character table: printable Latin-1 bytes stand for themselves, the
// other 68 bytes map to U+0100 onwards, in byte order.
const std::array<std::string, 256>& ByteAlphabet() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> t;
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      t[b] = EncodeUtf8(std::u32string(1, printable ? static_cast<char32_t>(b) : next++));
    }
    return t;
  }();
  return table;
}

bool StartsWith(const std::u32string& s, size_t i, std::u32string_view p) {
  return s.size() - i >= p.size() && std::u32string_view(s).substr(i, p.size()) == p;
}

// The pre-tokenizer's pattern, matched leftmost-first as the regex engine does.
std::vector<std::u32string> SplitPieces(const std::u32string& s) {
  static constexpr std::u32string_view kSpecials[] = {U"<|startoftext|>", U"<|endoftext|>"};
  static constexpr std::u32string_view kContractions[] = {U"'s", U"'t",  U"'re", U"'ve",
                                                          U"'m", U"'ll", U"'d"};
  std::vector<std::u32string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t len = 0;
    for (auto p : kSpecials) {
      if (len == 0 && StartsWith(s, i, p)) len = p.size();
    }
    for (auto p : kContractions) {
      if (len == 0 && StartsWith(s, i, p)) len = p.size();
    }
    if (len == 0 && IsLetter(s[i])) {
      while (i + len < s.size() && IsLetter(s[i + len])) ++len;
    } else if (len == 0 && IsNumber(s[i])) {
      len = 1;
    } else if (len == 0 && !IsUnicodeWhitespace(s[i])) {
      auto other = [](char32_t c) {
        return !IsUnicodeWhitespace(c) && !IsLetter(c) && !IsNumber(c);
      };
      while (i + len < s.size() && other(s[i + len])) ++len;
    }
    if (len == 0) {  // whitespace: not part of any piece
      ++i;
      continue;
    }
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

std::u32string NormalizeClipText(std::u32string s) {
  s = model::Normalize(s, NormForm::kNfc);
  std::u32string collapsed;
  bool in_space = false;
  for (char32_t c : s) {
    if (IsUnicodeWhitespace(c)) {
      if (!in_space) collapsed.push_back(U' ');
      in_space = true;
    } else {
      collapsed.push_back(c);
      in_space = false;
    }
  }
  return LowercaseChars(collapsed);
}

Status Bad(const std::string& msg) { return Status::InvalidArgument(msg); }

}  // namespace

Result<std::unique_ptr<ClipTokenizer>> ClipTokenizer::FromTokenizerJson(
    const std::string& json_text) {
  json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Bad("tokenizer.json: not a JSON object");
  auto t = std::unique_ptr<ClipTokenizer>(new ClipTokenizer());
  try {
    const json& model = j.at("model");
    if (model.value("type", "") != "BPE") {
      return Bad("tokenizer.json: model type '" + model.value("type", "") +
                 "' is not BPE (CLIP's tokenizer)");
    }
    if (model.value("end_of_word_suffix", "") != kEndOfWord) {
      return Bad("tokenizer.json: BPE without end_of_word_suffix \"</w>\" is not CLIP's");
    }
    for (const auto& [token, id] : model.at("vocab").items()) {
      t->vocab_[token] = id.get<int32_t>();
    }
    int rank = 0;
    for (const json& m : model.at("merges")) {
      // "left right" (older files) or ["left", "right"].
      std::string key = m.is_string()
                            ? m.get<std::string>()
                            : m.at(0).get<std::string>() + " " + m.at(1).get<std::string>();
      t->ranks_.emplace(std::move(key), rank++);
    }
    for (const json& a : j.value("added_tokens", json::array())) {
      t->vocab_[a.at("content").get<std::string>()] = a.at("id").get<int32_t>();
    }
  } catch (const json::exception& e) {
    return Bad(std::string("tokenizer.json: ") + e.what());
  }
  RAGDB_RETURN_IF_ERROR(t->Finish());
  return t;
}

Result<std::unique_ptr<ClipTokenizer>> ClipTokenizer::FromVocabAndMerges(
    const std::string& vocab_json, const std::string& merges_txt) {
  json v = json::parse(vocab_json, nullptr, false);
  if (v.is_discarded() || !v.is_object()) return Bad("vocab.json: not a JSON object");
  auto t = std::unique_ptr<ClipTokenizer>(new ClipTokenizer());
  for (const auto& [token, id] : v.items()) {
    if (!id.is_number_integer()) return Bad("vocab.json: id of '" + token + "' is not an integer");
    t->vocab_[token] = id.get<int32_t>();
  }
  int rank = 0;
  size_t pos = 0;
  bool first = true;
  while (pos < merges_txt.size()) {
    size_t end = merges_txt.find('\n', pos);
    if (end == std::string::npos) end = merges_txt.size();
    std::string line = merges_txt.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first && line.starts_with("#version")) {
      first = false;
      continue;
    }
    first = false;
    if (line.empty()) continue;
    if (line.find(' ') == std::string::npos) {
      return Bad("merges.txt: line " + std::to_string(rank + 1) + " is not 'left right'");
    }
    t->ranks_.emplace(line, rank++);
  }
  RAGDB_RETURN_IF_ERROR(t->Finish());
  return t;
}

Result<std::unique_ptr<ClipTokenizer>> ClipTokenizer::Load(const std::string& dir) {
  const std::string tj = JoinPath(dir, "tokenizer.json");
  if (FileExists(tj)) {
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(tj));
    auto t = FromTokenizerJson(text);
    if (!t.ok()) return t.status().WithContext(dir);
    return t;
  }
  const std::string vj = JoinPath(dir, "vocab.json"), mt = JoinPath(dir, "merges.txt");
  if (!FileExists(vj) || !FileExists(mt)) {
    return Status::NotFound(dir + ": no tokenizer.json, nor vocab.json + merges.txt");
  }
  RAGDB_ASSIGN_OR_RETURN(std::string vocab, ReadFile(vj));
  RAGDB_ASSIGN_OR_RETURN(std::string merges, ReadFile(mt));
  auto t = FromVocabAndMerges(vocab, merges);
  if (!t.ok()) return t.status().WithContext(dir);
  return t;
}

Status ClipTokenizer::Finish() {
  auto id = [&](const char* token) {
    auto it = vocab_.find(token);
    return it == vocab_.end() ? -1 : it->second;
  };
  bos_ = id("<|startoftext|>");
  eos_ = id("<|endoftext|>");
  unk_ = eos_;  // CLIP's unk token is <|endoftext|>
  if (bos_ < 0 || eos_ < 0) {
    return Bad("CLIP tokenizer: the vocabulary lacks <|startoftext|> or <|endoftext|>");
  }
  return Status::Ok();
}

void ClipTokenizer::Bpe(const std::string& piece, std::vector<int32_t>* ids) const {
  // Symbols: one byte-alphabet character per byte, "</w>" on the last.
  const auto& alphabet = ByteAlphabet();
  std::vector<std::string> symbols;
  symbols.reserve(piece.size());
  for (unsigned char b : piece) symbols.push_back(alphabet[b]);
  symbols.back() += kEndOfWord;
  std::string key;
  while (symbols.size() > 1) {
    int best = INT_MAX;
    size_t at = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      key.assign(symbols[i]).append(" ").append(symbols[i + 1]);
      auto it = ranks_.find(key);
      if (it != ranks_.end() && it->second < best) {
        best = it->second;
        at = i;
      }
    }
    if (best == INT_MAX) break;
    // Merge every occurrence of the best pair, left to right.
    const std::string left = symbols[at], right = symbols[at + 1];
    std::vector<std::string> merged;
    merged.reserve(symbols.size());
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
        merged.push_back(left + right);
        ++i;
      } else {
        merged.push_back(std::move(symbols[i]));
      }
    }
    symbols = std::move(merged);
  }
  for (const std::string& s : symbols) {
    auto it = vocab_.find(s);
    ids->push_back(it == vocab_.end() ? unk_ : it->second);
  }
}

Result<std::vector<int32_t>> ClipTokenizer::Tokenize(std::string_view text) const {
  RAGDB_ASSIGN_OR_RETURN(std::u32string s, DecodeUtf8(text));
  std::vector<int32_t> ids;
  for (const std::u32string& piece : SplitPieces(NormalizeClipText(std::move(s)))) {
    Bpe(EncodeUtf8(piece), &ids);
  }
  return ids;
}

Result<std::vector<int32_t>> ClipTokenizer::Encode(std::string_view text, size_t max_length) const {
  RAGDB_ASSIGN_OR_RETURN(std::vector<int32_t> body, Tokenize(text));
  if (max_length < 2) max_length = 2;
  if (body.size() > max_length - 2) body.resize(max_length - 2);
  std::vector<int32_t> ids;
  ids.reserve(body.size() + 2);
  ids.push_back(bos_);
  ids.insert(ids.end(), body.begin(), body.end());
  ids.push_back(eos_);
  return ids;
}

}  // namespace ragdb::model::clip
