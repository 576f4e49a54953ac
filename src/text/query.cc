#include "text/query.h"

#include <algorithm>

namespace ragdb::text {
namespace {

void AddTerms(const std::vector<Token>& tokens, TextQuery* q) {
  for (const Token& t : tokens) {
    auto it = std::find_if(q->terms.begin(), q->terms.end(),
                           [&](const QueryTerm& x) { return x.term == t.term; });
    if (it == q->terms.end()) {
      q->terms.push_back(QueryTerm{t.term, 1});
    } else {
      it->weight += 1;
    }
  }
}

}  // namespace

std::vector<std::string> TextQuery::AllTerms() const {
  std::vector<std::string> out;
  auto add = [&](const std::string& t) {
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  for (const QueryTerm& t : terms) add(t.term);
  for (const Phrase& p : phrases)
    for (const std::string& t : p.terms) add(t);
  return out;
}

Result<TextQuery> ParseTextQuery(Analyzer& analyzer, std::string_view text, MatchMode mode) {
  TextQuery q;
  q.mode = mode;
  const size_t quotes = static_cast<size_t>(std::count(text.begin(), text.end(), '"'));
  size_t start = 0;
  bool in_phrase = false;
  // With an odd number of quotes the last one is unbalanced: parse from it on as plain text.
  const size_t usable_quotes = quotes - quotes % 2;
  size_t seen = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const bool at_quote = i < text.size() && text[i] == '"' && seen < usable_quotes;
    if (i < text.size() && !at_quote) continue;
    RAGDB_ASSIGN_OR_RETURN(std::vector<Token> tokens,
                           analyzer.Analyze(text.substr(start, i - start)));
    if (in_phrase) {
      if (!tokens.empty()) {
        Phrase p;
        for (const Token& t : tokens) {
          p.terms.push_back(t.term);
          p.offsets.push_back(t.position - tokens[0].position);
        }
        q.phrases.push_back(std::move(p));
      }
    } else {
      AddTerms(tokens, &q);
    }
    if (at_quote) {
      ++seen;
      in_phrase = !in_phrase;
    }
    start = i + 1;
  }
  return q;
}

}  // namespace ragdb::text
