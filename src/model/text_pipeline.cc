#include "model/text_pipeline.h"

#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <nlohmann/json.hpp>

#include "model/unicode_text.h"

namespace ragdb::model {
namespace {

class BertNormalizer : public Normalizer {
 public:
  explicit BertNormalizer(BertNormalizerOptions o) : o_(o) {}
  std::u32string Apply(std::u32string s) const override {
    std::u32string t;
    t.reserve(s.size() + 8);
    for (char32_t c : s) {
      if (o_.clean_text) {
        if (c == 0 || c == 0xFFFD || IsBertControl(c)) continue;
        if (IsBertWhitespace(c)) c = U' ';
      }
      if (o_.handle_chinese_chars && IsCjk(c)) {
        t.push_back(U' ');
        t.push_back(c);
        t.push_back(U' ');
      } else {
        t.push_back(c);
      }
    }
    if (o_.strip_accents) {
      std::u32string d = Normalize(t, NormForm::kNfd);
      t.clear();
      for (char32_t c : d) {
        if (!IsNonspacingMark(c)) t.push_back(c);
      }
    }
    if (o_.lowercase) t = LowercaseChars(t);
    return t;
  }

 private:
  BertNormalizerOptions o_;
};

class FormNormalizer : public Normalizer {
 public:
  FormNormalizer(NormForm form, bool nmt_controls) : form_(form), nmt_controls_(nmt_controls) {}
  std::u32string Apply(std::u32string s) const override {
    if (nmt_controls_) {
      // nmt_nfkc drops C0 controls and DEL and turns the whitespace controls into spaces.
      std::u32string t;
      t.reserve(s.size());
      for (char32_t c : s) {
        if (c == '\t' || c == '\n' || c == '\r' || c == 0x0B || c == 0x0C) {
          t.push_back(U' ');
        } else if (c < 0x20 || c == 0x7F) {
          continue;
        } else {
          t.push_back(c);
        }
      }
      s = std::move(t);
    }
    return Normalize(s, form_);
  }

 private:
  NormForm form_;
  bool nmt_controls_;
};

class LowercaseNormalizer : public Normalizer {
 public:
  std::u32string Apply(std::u32string s) const override { return LowercaseChars(s); }
};

class StripAccentsNormalizer : public Normalizer {
 public:
  std::u32string Apply(std::u32string s) const override {
    std::u32string t;
    for (char32_t c : s) {
      if (!IsNonspacingMark(c)) t.push_back(c);
    }
    return t;
  }
};

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  std::u32string Apply(std::u32string s) const override {
    size_t b = 0, e = s.size();
    if (left_) {
      while (b < e && IsUnicodeWhitespace(s[b])) ++b;
    }
    if (right_) {
      while (e > b && IsUnicodeWhitespace(s[e - 1])) --e;
    }
    return s.substr(b, e - b);
  }

 private:
  bool left_, right_;
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::u32string p) : p_(std::move(p)) {}
  std::u32string Apply(std::u32string s) const override { return s.empty() ? s : p_ + s; }

 private:
  std::u32string p_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  // `regex` empty: literal replacement of `literal`.
  ReplaceNormalizer(std::u32string literal, std::unique_ptr<icu::RegexPattern> regex,
                    std::u32string content)
      : literal_(std::move(literal)), regex_(std::move(regex)), content_(std::move(content)) {}
  std::u32string Apply(std::u32string s) const override {
    if (!regex_) {
      if (literal_.empty()) return s;
      std::u32string out;
      size_t i = 0;
      while (i < s.size()) {
        if (s.compare(i, literal_.size(), literal_) == 0) {
          out += content_;
          i += literal_.size();
        } else {
          out.push_back(s[i++]);
        }
      }
      return out;
    }
    UErrorCode err = U_ZERO_ERROR;
    icu::UnicodeString in = icu::UnicodeString::fromUTF32(
        reinterpret_cast<const UChar32*>(s.data()), static_cast<int32_t>(s.size()));
    std::unique_ptr<icu::RegexMatcher> m(regex_->matcher(in, err));
    if (U_FAILURE(err)) return s;
    icu::UnicodeString rep = icu::UnicodeString::fromUTF32(
        reinterpret_cast<const UChar32*>(content_.data()), static_cast<int32_t>(content_.size()));
    // Escape '$' and '\' so the content is literal, as in tokenizers.
    rep.findAndReplace("\\", "\\\\");
    rep.findAndReplace("$", "\\$");
    icu::UnicodeString out = m->replaceAll(rep, err);
    if (U_FAILURE(err)) return s;
    std::u32string r(static_cast<size_t>(out.countChar32()), U'\0');
    int32_t len =
        out.toUTF32(reinterpret_cast<UChar32*>(r.data()), static_cast<int32_t>(r.size()), err);
    r.resize(static_cast<size_t>(len));
    return r;
  }

 private:
  std::u32string literal_;
  std::unique_ptr<icu::RegexPattern> regex_;
  std::u32string content_;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  std::u32string Apply(std::u32string s) const override {
    for (const auto& n : steps_) s = n->Apply(std::move(s));
    return s;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

class BertPreTokenizer : public PreTokenizer {
 public:
  explicit BertPreTokenizer(bool isolate_punct) : isolate_punct_(isolate_punct) {}
  std::vector<std::u32string> Apply(std::vector<std::u32string> words) const override {
    std::vector<std::u32string> out;
    for (const auto& w : words) {
      std::u32string cur;
      for (char32_t c : w) {
        if (IsUnicodeWhitespace(c)) {
          if (!cur.empty()) out.push_back(std::move(cur));
          cur.clear();
        } else if (isolate_punct_ && IsBertPunctuation(c)) {
          if (!cur.empty()) out.push_back(std::move(cur));
          cur.clear();
          out.push_back(std::u32string(1, c));
        } else {
          cur.push_back(c);
        }
      }
      if (!cur.empty()) out.push_back(std::move(cur));
    }
    return out;
  }

 private:
  bool isolate_punct_;
};

class Metaspace : public PreTokenizer {
 public:
  Metaspace(char32_t replacement, bool prepend, bool split)
      : rep_(replacement), prepend_(prepend), split_(split) {}
  std::vector<std::u32string> Apply(std::vector<std::u32string> words) const override {
    std::vector<std::u32string> out;
    for (auto w : words) {
      if (w.empty()) continue;
      for (char32_t& c : w) {
        if (c == U' ') c = rep_;
      }
      if (prepend_ && w[0] != rep_) w.insert(w.begin(), rep_);
      if (!split_) {
        out.push_back(std::move(w));
        continue;
      }
      // Each replacement character starts a new piece (tokenizers' MergedWithNext).
      size_t start = 0;
      for (size_t i = 1; i <= w.size(); ++i) {
        if (i == w.size() || w[i] == rep_) {
          out.push_back(w.substr(start, i - start));
          start = i;
        }
      }
    }
    return out;
  }

 private:
  char32_t rep_;
  bool prepend_, split_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  std::vector<std::u32string> Apply(std::vector<std::u32string> words) const override {
    for (const auto& p : steps_) words = p->Apply(std::move(words));
    return words;
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

Status Unsupported(const char* what, const std::string& type) {
  return Status::InvalidArgument(std::string("tokenizer.json: ") + what + " type '" + type +
                                 "' is not supported");
}

Result<std::u32string> JsonU32(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::u32string();
  return DecodeUtf8(it->get<std::string>());
}

}  // namespace

std::unique_ptr<Normalizer> MakeBertNormalizer(BertNormalizerOptions options) {
  return std::make_unique<BertNormalizer>(options);
}
std::unique_ptr<PreTokenizer> MakeBertPreTokenizer() {
  return std::make_unique<BertPreTokenizer>(true);
}
std::unique_ptr<PreTokenizer> MakeMetaspace(char32_t replacement, bool prepend, bool split) {
  return std::make_unique<Metaspace>(replacement, prepend, split);
}

Result<std::unique_ptr<Normalizer>> ParseNormalizer(const nlohmann::json& j) {
  if (j.is_null()) return std::unique_ptr<Normalizer>();
  if (!j.is_object()) return Status::InvalidArgument("tokenizer.json: normalizer is not an object");
  std::string type = j.value("type", "");
  if (type == "BertNormalizer") {
    BertNormalizerOptions o;
    o.clean_text = j.value("clean_text", true);
    o.handle_chinese_chars = j.value("handle_chinese_chars", true);
    o.lowercase = j.value("lowercase", true);
    auto sa = j.find("strip_accents");
    o.strip_accents = (sa == j.end() || sa->is_null()) ? o.lowercase : sa->get<bool>();
    return MakeBertNormalizer(o);
  }
  if (type == "Precompiled")
    return std::unique_ptr<Normalizer>(new FormNormalizer(NormForm::kNfkc, true));
  if (type == "NFKC")
    return std::unique_ptr<Normalizer>(new FormNormalizer(NormForm::kNfkc, false));
  if (type == "NFC") return std::unique_ptr<Normalizer>(new FormNormalizer(NormForm::kNfc, false));
  if (type == "NFD") return std::unique_ptr<Normalizer>(new FormNormalizer(NormForm::kNfd, false));
  if (type == "NFKD")
    return std::unique_ptr<Normalizer>(new FormNormalizer(NormForm::kNfkd, false));
  if (type == "Lowercase") return std::unique_ptr<Normalizer>(new LowercaseNormalizer());
  if (type == "StripAccents") return std::unique_ptr<Normalizer>(new StripAccentsNormalizer());
  if (type == "Strip") {
    return std::unique_ptr<Normalizer>(
        new StripNormalizer(j.value("strip_left", true), j.value("strip_right", true)));
  }
  if (type == "Prepend") {
    RAGDB_ASSIGN_OR_RETURN(std::u32string p, JsonU32(j, "prepend"));
    return std::unique_ptr<Normalizer>(new PrependNormalizer(std::move(p)));
  }
  if (type == "Replace") {
    RAGDB_ASSIGN_OR_RETURN(std::u32string content, JsonU32(j, "content"));
    auto pat = j.find("pattern");
    if (pat == j.end() || !pat->is_object()) {
      return Status::InvalidArgument("tokenizer.json: Replace normalizer without a pattern");
    }
    if (pat->contains("String")) {
      RAGDB_ASSIGN_OR_RETURN(std::u32string lit, JsonU32(*pat, "String"));
      return std::unique_ptr<Normalizer>(new ReplaceNormalizer(lit, nullptr, content));
    }
    std::string re = pat->value("Regex", "");
    UErrorCode err = U_ZERO_ERROR;
    UParseError perr;
    std::unique_ptr<icu::RegexPattern> compiled(
        icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(re), 0, perr, err));
    if (U_FAILURE(err)) {
      return Status::InvalidArgument("tokenizer.json: Replace regex '" + re + "' does not compile");
    }
    return std::unique_ptr<Normalizer>(
        new ReplaceNormalizer(std::u32string(), std::move(compiled), content));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    auto list = j.find("normalizers");
    if (list == j.end() || !list->is_array()) {
      return Status::InvalidArgument("tokenizer.json: Sequence normalizer without a list");
    }
    for (const auto& n : *list) {
      RAGDB_ASSIGN_OR_RETURN(auto step, ParseNormalizer(n));
      if (step) steps.push_back(std::move(step));
    }
    return std::unique_ptr<Normalizer>(new SequenceNormalizer(std::move(steps)));
  }
  return Unsupported("normalizer", type);
}

Result<std::unique_ptr<PreTokenizer>> ParsePreTokenizer(const nlohmann::json& j) {
  if (j.is_null()) return std::unique_ptr<PreTokenizer>();
  if (!j.is_object()) {
    return Status::InvalidArgument("tokenizer.json: pre_tokenizer is not an object");
  }
  std::string type = j.value("type", "");
  if (type == "BertPreTokenizer") return MakeBertPreTokenizer();
  if (type == "WhitespaceSplit") return std::unique_ptr<PreTokenizer>(new BertPreTokenizer(false));
  if (type == "Metaspace") {
    RAGDB_ASSIGN_OR_RETURN(std::u32string rep, JsonU32(j, "replacement"));
    if (rep.size() != 1) {
      return Status::InvalidArgument("tokenizer.json: Metaspace replacement must be one character");
    }
    bool prepend = j.value("add_prefix_space", true);
    if (auto s = j.find("prepend_scheme"); s != j.end() && s->is_string()) {
      // "first" is treated like "always": each sequence is pre-tokenized on its own here.
      prepend = s->get<std::string>() != "never";
    }
    return MakeMetaspace(rep[0], prepend, j.value("split", true));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    auto list = j.find("pretokenizers");
    if (list == j.end() || !list->is_array()) {
      return Status::InvalidArgument("tokenizer.json: Sequence pre_tokenizer without a list");
    }
    for (const auto& p : *list) {
      RAGDB_ASSIGN_OR_RETURN(auto step, ParsePreTokenizer(p));
      if (step) steps.push_back(std::move(step));
    }
    return std::unique_ptr<PreTokenizer>(new SequencePreTokenizer(std::move(steps)));
  }
  return Unsupported("pre_tokenizer", type);
}

}  // namespace ragdb::model
