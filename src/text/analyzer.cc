#include "text/analyzer.h"

#include <libstemmer.h>
#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>

#include <utility>

#include "base/utf8.h"
#include "text/stopwords.h"

namespace ragdb::text {
namespace {

// NFKC + full case folding in one ICU pass, UTF-8 in and out (no UTF-16 round trip).
Status NormalizeNfkcCasefold(const icu::Normalizer2* norm, std::string_view text,
                             std::string* out) {
  out->clear();
  if (IsAscii(text)) {
    // NFKC is the identity on ASCII and case folding is plain lowercasing there.
    out->assign(text);
    for (char& c : *out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return Status::Ok();
  }
  UErrorCode ec = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(out);
  norm->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), sink,
                      nullptr, ec);
  if (U_FAILURE(ec)) return Status::InvalidArgument(std::string("NFKC failed: ") + u_errorName(ec));
  return Status::Ok();
}

Result<const icu::Normalizer2*> NfkcCasefold() {
  UErrorCode ec = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(ec);
  if (U_FAILURE(ec)) return Status::Internal(std::string("ICU NFKC_Casefold: ") + u_errorName(ec));
  return n;
}

bool IsAsciiWord(std::string_view t) {
  bool letter = false;
  for (char c : t) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return false;
    if (u >= 'a' && u <= 'z') letter = true;
  }
  return letter;
}

// Lucene's EnglishPossessiveFilter: "john's" -> "john" (also with U+2019 apostrophe).
void StripPossessive(std::string* t) {
  if (t->size() > 2 && t->ends_with("'s")) {
    t->resize(t->size() - 2);
  } else if (t->size() > 4 && t->ends_with("\xE2\x80\x99s")) {
    t->resize(t->size() - 4);
  }
}

class StandardAnalyzer final : public Analyzer {
 public:
  StandardAnalyzer(AnalyzerConfig config, const icu::Normalizer2* norm,
                   std::unique_ptr<icu::BreakIterator> words, sb_stemmer* stemmer)
      : config_(std::move(config)), norm_(norm), words_(std::move(words)), stemmer_(stemmer) {
    lucene_stop_ = config_.stopwords == "lucene";
  }
  ~StandardAnalyzer() override {
    if (stemmer_) sb_stemmer_delete(stemmer_);
    if (utext_) utext_close(utext_);
  }

  Result<std::vector<Token>> Analyze(std::string_view text) override {
    RAGDB_RETURN_IF_ERROR(ValidateUtf8(text));
    RAGDB_RETURN_IF_ERROR(NormalizeNfkcCasefold(norm_, text, &norm_text_));
    std::vector<Token> tokens;
    if (norm_text_.empty()) return tokens;
    // UText over UTF-8: break positions come back as byte offsets into norm_text_.
    UErrorCode ec = U_ZERO_ERROR;
    utext_ =
        utext_openUTF8(utext_, norm_text_.data(), static_cast<int64_t>(norm_text_.size()), &ec);
    if (U_FAILURE(ec)) return Status::Internal(std::string("utext_openUTF8: ") + u_errorName(ec));
    words_->setText(utext_, ec);
    if (U_FAILURE(ec)) return Status::Internal(std::string("BreakIterator: ") + u_errorName(ec));
    uint32_t position = 0;
    int32_t start = words_->first();
    for (int32_t end = words_->next(); end != icu::BreakIterator::DONE;
         start = end, end = words_->next()) {
      const int32_t status = words_->getRuleStatus();
      // Spaces, punctuation and emoji have status UBRK_WORD_NONE; numbers, letters, kana and
      // ideographs each have their own range.
      if (status >= UBRK_WORD_NONE && status < UBRK_WORD_NONE_LIMIT) continue;
      std::string term(norm_text_.data() + start, static_cast<size_t>(end - start));
      const uint32_t pos = position++;
      StripPossessive(&term);
      if (lucene_stop_ && IsLuceneEnglishStopWord(term)) continue;
      if (stemmer_ && status >= UBRK_WORD_LETTER && status < UBRK_WORD_LETTER_LIMIT &&
          IsAsciiWord(term)) {
        const sb_symbol* s =
            sb_stemmer_stem(stemmer_, reinterpret_cast<const sb_symbol*>(term.data()),
                            static_cast<int>(term.size()));
        if (s) term.assign(reinterpret_cast<const char*>(s), sb_stemmer_length(stemmer_));
      }
      if (term.empty() || static_cast<int>(term.size()) > config_.max_token_bytes) continue;
      tokens.push_back(Token{std::move(term), pos});
    }
    return tokens;
  }
  const AnalyzerConfig& config() const override { return config_; }

 private:
  AnalyzerConfig config_;
  const icu::Normalizer2* norm_;  // owned by ICU, process-wide
  std::unique_ptr<icu::BreakIterator> words_;
  sb_stemmer* stemmer_;  // null when stemming is off
  UText* utext_ = nullptr;
  std::string norm_text_;  // the UText points into this
  bool lucene_stop_ = false;
};

class WhitespaceAnalyzer final : public Analyzer {
 public:
  explicit WhitespaceAnalyzer(AnalyzerConfig config) : config_(std::move(config)) {}
  Result<std::vector<Token>> Analyze(std::string_view text) override {
    std::vector<Token> tokens;
    std::string cur;
    uint32_t position = 0;
    size_t i = 0;
    auto flush = [&] {
      if (!cur.empty() && static_cast<int>(cur.size()) <= config_.max_token_bytes)
        tokens.push_back(Token{cur, position++});
      cur.clear();
    };
    while (i < text.size()) {
      const size_t begin = i;
      char32_t cp;
      if (!DecodeUtf8(text, &i, &cp)) return ValidateUtf8(text);
      if (u_isUWhiteSpace(static_cast<UChar32>(cp))) {
        flush();
      } else {
        cur.append(text.substr(begin, i - begin));
      }
    }
    flush();
    return tokens;
  }
  const AnalyzerConfig& config() const override { return config_; }

 private:
  AnalyzerConfig config_;
};

class KeywordAnalyzer final : public Analyzer {
 public:
  explicit KeywordAnalyzer(AnalyzerConfig config) : config_(std::move(config)) {}
  Result<std::vector<Token>> Analyze(std::string_view text) override {
    RAGDB_RETURN_IF_ERROR(ValidateUtf8(text));
    std::vector<Token> tokens;
    if (!text.empty()) tokens.push_back(Token{std::string(text), 0});
    return tokens;
  }
  const AnalyzerConfig& config() const override { return config_; }

 private:
  AnalyzerConfig config_;
};

class NgramAnalyzer final : public Analyzer {
 public:
  NgramAnalyzer(AnalyzerConfig config, const icu::Normalizer2* norm)
      : config_(std::move(config)), norm_(norm) {}
  Result<std::vector<Token>> Analyze(std::string_view text) override {
    RAGDB_RETURN_IF_ERROR(ValidateUtf8(text));
    RAGDB_RETURN_IF_ERROR(NormalizeNfkcCasefold(norm_, text, &norm_text_));
    std::vector<Token> tokens;
    // Grams never cross white space or punctuation: runs of letters/numbers only.
    std::vector<std::pair<size_t, size_t>> run;  // (byte offset, byte length) per code point
    uint32_t cp_index = 0;
    auto flush = [&] {
      const int n = static_cast<int>(run.size());
      if (n > 0 && n < config_.min_gram) {
        tokens.push_back(Token{RunText(run, 0, n), cp_index - static_cast<uint32_t>(n)});
      }
      for (int s = 0; s < n; ++s) {
        for (int g = config_.min_gram; g <= config_.max_gram && s + g <= n; ++g) {
          tokens.push_back(Token{RunText(run, s, g), cp_index - static_cast<uint32_t>(n - s)});
        }
      }
      run.clear();
    };
    size_t i = 0;
    while (i < norm_text_.size()) {
      const size_t begin = i;
      char32_t cp;
      if (!DecodeUtf8(norm_text_, &i, &cp)) return Status::Internal("NFKC produced bad UTF-8");
      if (u_isalnum(static_cast<UChar32>(cp)) || u_hasBinaryProperty(cp, UCHAR_IDEOGRAPHIC)) {
        run.emplace_back(begin, i - begin);
      } else {
        flush();
      }
      ++cp_index;
    }
    flush();
    return tokens;
  }
  const AnalyzerConfig& config() const override { return config_; }

 private:
  std::string RunText(const std::vector<std::pair<size_t, size_t>>& run, int s, int g) const {
    const size_t b = run[s].first;
    const size_t e = run[s + g - 1].first + run[s + g - 1].second;
    return norm_text_.substr(b, e - b);
  }
  AnalyzerConfig config_;
  const icu::Normalizer2* norm_;
  std::string norm_text_;
};

}  // namespace

AnalyzerConfig AnseriniLikeConfig() {
  AnalyzerConfig c;
  c.name = "standard";
  c.stemmer = "porter";
  c.stopwords = "lucene";
  return c;
}

Result<std::unique_ptr<Analyzer>> MakeAnalyzer(const AnalyzerConfig& config) {
  if (config.max_token_bytes <= 0) return Status::InvalidArgument("max_token_bytes must be > 0");
  if (config.name == "whitespace") return std::unique_ptr<Analyzer>(new WhitespaceAnalyzer(config));
  if (config.name == "keyword") return std::unique_ptr<Analyzer>(new KeywordAnalyzer(config));
  if (config.name == "ngram") {
    if (config.min_gram < 1 || config.max_gram < config.min_gram || config.max_gram > 16) {
      return Status::InvalidArgument("ngram analyzer needs 1 <= min_gram <= max_gram <= 16");
    }
    RAGDB_ASSIGN_OR_RETURN(const icu::Normalizer2* norm, NfkcCasefold());
    return std::unique_ptr<Analyzer>(new NgramAnalyzer(config, norm));
  }
  if (config.name != "standard") {
    return Status::InvalidArgument("unknown analyzer '" + config.name +
                                   "' (standard, whitespace, keyword, ngram)");
  }
  if (config.stopwords != "none" && config.stopwords != "lucene" && !config.stopwords.empty()) {
    return Status::InvalidArgument("unknown stop-word list '" + config.stopwords +
                                   "' (none, lucene)");
  }
  RAGDB_ASSIGN_OR_RETURN(const icu::Normalizer2* norm, NfkcCasefold());
  UErrorCode ec = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> words(
      icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), ec));
  if (U_FAILURE(ec) || !words) {
    return Status::Internal(std::string("ICU word BreakIterator: ") + u_errorName(ec));
  }
  sb_stemmer* stemmer = nullptr;
  if (!config.stemmer.empty() && config.stemmer != "none") {
    stemmer = sb_stemmer_new(config.stemmer.c_str(), nullptr);
    if (!stemmer)
      return Status::InvalidArgument("unknown Snowball stemmer '" + config.stemmer + "'");
  }
  return std::unique_ptr<Analyzer>(new StandardAnalyzer(config, norm, std::move(words), stemmer));
}

}  // namespace ragdb::text
