// Answers with citations: retrieval, a relevance gate, then either generation by an
// OpenAI-compatible LLM from a prompt with numbered sources, or an extractive answer (the most
// relevant sentences of the top chunks). Either way every [n] in the answer names a citation
// that is returned with it.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "base/file.h"
#include "rag/llm_client.h"
#include "rag/parse/xlsx_format.h"
#include "rag/terms.h"
#include "rag/text_split.h"
#include "ragdb/rag.h"

namespace ragdb::rag {
namespace {

using Clock = std::chrono::steady_clock;
double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string Snippet(const std::string& text, size_t max_bytes = 240) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "…";
}

// Any content word (or CJK bigram) of the question occurs in the text.
bool SharesContentTerm(const std::unordered_set<std::string>& question,
                       const std::unordered_set<std::string>& text) {
  for (const auto& t : question) {
    if (text.count(t)) return true;
  }
  return false;
}

struct Scored {
  double score;
  size_t item;   // index into the relevant items (citation n = item + 1)
  size_t begin;  // byte offset of the sentence in the item's text
  std::string sentence;
};

// A table's cells split from a Markdown row ("| a | b \\| c |" -> "a", "b | c").
std::vector<std::string> RowCells(std::string_view line) {
  std::vector<std::string> cells;
  std::string cur;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cur += '|';
      ++i;
    } else if (line[i] == '|') {
      cells.push_back(cur);
      cur.clear();
    } else {
      cur += line[i];
    }
  }
  cells.push_back(cur);
  // Drop what is outside the first and last bar, then trim.
  if (cells.size() >= 2) cells = std::vector<std::string>(cells.begin() + 1, cells.end() - 1);
  for (auto& c : cells) {
    size_t b = c.find_first_not_of(' '), e = c.find_last_not_of(' ');
    c = b == std::string::npos ? "" : c.substr(b, e - b + 1);
  }
  return cells;
}

struct CellAnswer {
  double score = 0;
  std::string sentence;  // "Q3 for East: 1,377,900"
  std::string cell;      // "Revenue!D3" or "row 1, column 'Q3'"
};

// The cell of a table chunk that answers the question: the row sharing most words with it, and
// in that row the column whose header does (the row's own matching cells are its key, not the
// answer). Nothing when no row or no header matches.
std::optional<CellAnswer> BestCell(const RetrievedChunk& item,
                                   const std::unordered_set<std::string>& qterms) {
  std::vector<std::string_view> lines;
  for (const TextRange& r : SplitLines(item.text)) {
    lines.push_back(std::string_view(item.text).substr(r.begin, r.end - r.begin));
  }
  size_t header = lines.size();
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].starts_with("|") && lines[i + 1].starts_with("| ---")) {
      header = i;
      break;
    }
  }
  if (header == lines.size()) return std::nullopt;
  const std::vector<std::string> heads = RowCells(lines[header]);
  int first_row = 1;
  if (item.table.is_object() && item.table.contains("rows") && item.table["rows"].is_array() &&
      !item.table["rows"].empty() && item.table["rows"][0].is_number_integer()) {
    first_row = std::max(1, item.table["rows"][0].get<int>());
  }
  std::optional<CellAnswer> best;
  for (size_t i = header + 2; i < lines.size(); ++i) {
    const std::vector<std::string> cells = RowCells(lines[i]);
    double row_score = 0;
    std::vector<bool> key(cells.size(), false);
    for (size_t c = 0; c < cells.size(); ++c) {
      for (const auto& t : TermSet(cells[c], true)) {
        if (qterms.count(t)) {
          row_score += 1;
          key[c] = true;
        }
      }
    }
    if (row_score == 0) continue;
    int col = -1;
    double col_score = 0;
    for (size_t c = 0; c < cells.size() && c < heads.size(); ++c) {
      if (key[c] || cells[c].empty()) continue;
      double sc = 0;
      for (const auto& t : TermSet(heads[c], true)) sc += qterms.count(t);
      if (sc > col_score) col_score = sc, col = static_cast<int>(c);
    }
    if (col < 0) continue;
    const double score = row_score + col_score;
    if (best && best->score >= score) continue;
    CellAnswer a;
    a.score = score;
    std::string keys;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (key[c]) keys += (keys.empty() ? "" : ", ") + cells[c];
    }
    a.sentence = heads[col] + " for " + keys + ": " + cells[col];
    const int row = first_row + static_cast<int>(i - header - 2);
    const Json& t = item.table;
    if (t.is_object() && t.value("first_row", 0) > 0) {
      const std::string sheet = t.value("sheet", "");
      a.cell = (sheet.empty() ? "" : sheet + "!") +
               CellReference(t.value("first_row", 0) + row, t.value("first_col", 1) + col);
    } else {
      a.cell = "row " + std::to_string(row) + ", column '" + heads[col] + "'";
    }
    best = std::move(a);
  }
  return best;
}

std::string ExtractiveAnswer(const std::vector<RetrievedChunk>& items,
                             const std::unordered_set<std::string>& qterms, size_t max_sentences,
                             std::set<int>* cited, std::map<int, std::string>* cells) {
  // A question a table answers is answered by its cell.
  std::optional<CellAnswer> cell;
  size_t cell_item = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].kind != "table") continue;
    auto c = BestCell(items[i], qterms);
    if (c && (!cell || c->score > cell->score)) cell = std::move(c), cell_item = i;
  }
  if (cell) {
    cited->insert(static_cast<int>(cell_item + 1));
    (*cells)[static_cast<int>(cell_item + 1)] = cell->cell;
    return cell->sentence + " [" + std::to_string(cell_item + 1) + "]";
  }
  std::vector<Scored> all;
  for (size_t i = 0, used = 0; i < items.size() && used < 3; ++i) {
    // A table row is no sentence: tables answer through a cell (above) or not at all. A
    // picture's text is borrowed from around it: the passage it came from is quoted instead.
    if (items[i].kind == "table" || items[i].kind == "image") continue;
    ++used;
    const std::string& text = items[i].text;
    // Lines first: a heading or list item must not glue onto the next paragraph's sentence.
    std::vector<TextRange> ranges;
    for (const TextRange& line : SplitLines(text)) {
      std::string_view view(text.data() + line.begin, line.end - line.begin);
      for (const TextRange& r : SplitSentences(view)) {
        ranges.push_back({line.begin + r.begin, line.begin + r.end});
      }
    }
    for (const TextRange& r : ranges) {
      std::string s = text.substr(r.begin, r.end - r.begin);
      // Headings and table separators make poor answer sentences.
      if (s.size() < 20 || s.find("|---") != std::string::npos) continue;
      auto terms = TermSet(s, true);
      double matched = 0;
      for (const auto& t : qterms) matched += terms.count(t);
      if (matched == 0) continue;
      // Coverage of the question first, then a mild preference for better-ranked chunks and
      // shorter sentences.
      double score = matched / std::sqrt(static_cast<double>(qterms.size())) -
                     0.15 * static_cast<double>(i) - 0.001 * static_cast<double>(s.size() / 20);
      all.push_back({score, i, r.begin, std::move(s)});
    }
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Scored& a, const Scored& b) { return a.score > b.score; });
  if (all.size() > max_sentences) all.resize(max_sentences);
  if (all.empty()) {
    // Relevant by meaning only (dense similarity): the start of the best chunk.
    const std::string& text = items[0].text;
    auto sentences = SplitSentences(text);
    std::string s = sentences.empty()
                        ? Snippet(text)
                        : text.substr(sentences[0].begin, sentences[0].end - sentences[0].begin);
    all.push_back({0, 0, 0, s});
  }
  // Reading order: by chunk rank, then by position in the chunk.
  std::sort(all.begin(), all.end(), [](const Scored& a, const Scored& b) {
    return a.item != b.item ? a.item < b.item : a.begin < b.begin;
  });
  std::string answer;
  for (const auto& s : all) {
    if (!answer.empty()) answer += " ";
    std::string sentence = s.sentence;
    std::replace(sentence.begin(), sentence.end(), '\n', ' ');
    answer += sentence + " [" + std::to_string(s.item + 1) + "]";
    cited->insert(static_cast<int>(s.item + 1));
  }
  return answer;
}

std::string BuildPrompt(const std::string& question, const std::vector<RetrievedChunk>& items) {
  std::string p = "Sources:\n\n";
  for (size_t i = 0; i < items.size(); ++i) {
    p += "[" + std::to_string(i + 1) + "] " + items[i].source;
    if (items[i].page > 0) p += " (page " + std::to_string(items[i].page) + ")";
    if (!items[i].heading_path.empty()) {
      p += " — ";
      for (size_t h = 0; h < items[i].heading_path.size(); ++h) {
        p += (h ? " > " : "") + items[i].heading_path[h];
      }
    }
    p += "\n" + items[i].text + "\n\n";
  }
  p += "Question: " + question + "\n";
  return p;
}

const char* kSystemPrompt =
    "You answer questions using only the numbered sources provided. After every statement, cite "
    "the source(s) it comes from as [n] using the source numbers. If the sources do not contain "
    "the answer, say that the knowledge base has no information about it. Answer in the "
    "language of the question. Be concise.";

// Keeps [n] markers (also "[1, 2]" lists) whose numbers are sources; removes the others.
std::string CleanCitations(const std::string& answer, size_t sources, std::set<int>* cited) {
  static const std::regex kMarker(R"(\[(\s*\d+\s*(?:,\s*\d+\s*)*)\])");
  std::string out;
  auto begin = std::sregex_iterator(answer.begin(), answer.end(), kMarker);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    out += answer.substr(last, m.position(0) - last);
    last = m.position(0) + m.length(0);
    std::string kept;
    std::string nums = m[1].str();
    size_t i = 0;
    while (i < nums.size()) {
      while (i < nums.size() && !std::isdigit(static_cast<unsigned char>(nums[i]))) ++i;
      size_t j = i;
      while (j < nums.size() && std::isdigit(static_cast<unsigned char>(nums[j]))) ++j;
      if (j > i) {
        long n = j - i > 6 ? 0 : std::stol(nums.substr(i, j - i));
        if (n >= 1 && static_cast<size_t>(n) <= sources) {
          kept += "[" + std::to_string(n) + "]";
          cited->insert(static_cast<int>(n));
        }
      }
      i = j;
    }
    out += kept;
  }
  out += answer.substr(last);
  // A removed marker can leave "word ." behind.
  static const std::regex kSpaceBeforePunct(R"( +([.,;:!?]))");
  return std::regex_replace(out, kSpaceBeforePunct, "$1");
}

}  // namespace

Result<LlmConfig> LlmConfig::FromEnvAndFile(const std::string& config_path) {
  LlmConfig c;
  if (!config_path.empty() && FileExists(config_path)) {
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(config_path));
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return Status::InvalidArgument(config_path + ": not a JSON object");
    }
    try {
      c.base_url = j.value("base_url", c.base_url);
      c.model = j.value("model", c.model);
      c.api_key = j.value("api_key", c.api_key);
      c.timeout_ms = j.value("timeout_ms", c.timeout_ms);
      c.temperature = j.value("temperature", c.temperature);
      c.max_tokens = j.value("max_tokens", c.max_tokens);
    } catch (const Json::exception& e) {
      return Status::InvalidArgument(config_path + ": " + e.what());
    }
  }
  auto env = [](const char* name) -> const char* {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : nullptr;
  };
  if (const char* v = env("RAGDB_LLM_BASE_URL")) c.base_url = v;
  if (const char* v = env("RAGDB_LLM_MODEL")) c.model = v;
  if (const char* v = env("RAGDB_LLM_API_KEY")) c.api_key = v;
  if (const char* v = env("RAGDB_LLM_TIMEOUT_MS")) c.timeout_ms = std::max(1, std::atoi(v));
  if (c.enabled() && c.model.empty()) {
    return Status::InvalidArgument("llm: a base URL is set but no model (RAGDB_LLM_MODEL)");
  }
  return c;
}

Json Citation::ToJson() const {
  Json j = {{"n", n},         {"source", source},   {"page", page}, {"chunk_id", chunk_id},
            {"score", score}, {"snippet", snippet}, {"kind", kind}};
  if (!bbox.empty()) j["bbox"] = bbox;
  if (!cell.empty()) j["cell"] = cell;
  return j;
}

Json Answer::ToJson(bool with_timings) const {
  Json cites = Json::array();
  for (const auto& c : citations) cites.push_back(c.ToJson());
  Json j = {{"answer", answer}, {"citations", cites}, {"mode", mode}};
  if (with_timings) j["timings_ms"] = timings;
  return j;
}

namespace {

// The previous user turn, or nullptr.
const std::string* PreviousQuestion(const std::vector<ConversationTurn>& history) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->role == "user") return &it->content;
  }
  return nullptr;
}

}  // namespace

Result<Answer> Ask(const KnowledgeBase& kb, const std::string& question, const AskOptions& o) {
  auto start = Clock::now();
  Answer a;
  a.mode = o.llm.enabled() ? "llm" : "extractive";
  // Retrieves `text` and keeps the relevant chunks. Relevance gate: nearest neighbours always
  // exist, related ones may not.
  RetrieveStats total;
  std::unordered_set<std::string> qterms;
  auto retrieve = [&](const std::string& text) -> Result<std::vector<RetrievedChunk>> {
    RetrieveStats stats;
    RAGDB_ASSIGN_OR_RETURN(auto items, kb.Retrieve(text, o.retrieve, &stats));
    total.embed_ms += stats.embed_ms;
    total.search_ms += stats.search_ms;
    total.rerank_ms += stats.rerank_ms;
    total.assemble_ms += stats.assemble_ms;
    qterms = TermSet(text, true);
    std::vector<RetrievedChunk> kept;
    for (auto& it : items) {
      if (SharesContentTerm(qterms, TermSet(it.text, false)) ||
          it.dense_score >= o.min_dense_score) {
        kept.push_back(std::move(it));
      }
    }
    return kept;
  };
  RAGDB_ASSIGN_OR_RETURN(auto relevant, retrieve(question));
  // A follow-up that names nothing retrievable ("tell me more") is retrieved again together
  // with the previous question.
  if (const std::string* previous = PreviousQuestion(o.history); relevant.empty() && previous) {
    RAGDB_ASSIGN_OR_RETURN(relevant, retrieve(*previous + "\n" + question));
  }
  a.timings = {{"embed", total.embed_ms},
               {"search", total.search_ms},
               {"rerank", total.rerank_ms},
               {"assemble", total.assemble_ms}};
  if (relevant.empty()) {
    a.answer = "No relevant information was found in knowledge base '" + kb.name() +
               "' for this question.";
    a.timings["total"] = MsSince(start);
    return a;
  }

  std::set<int> cited;
  std::map<int, std::string> cells;  // citation n -> the table cell its answer came from
  auto gen_start = Clock::now();
  if (o.llm.enabled()) {
    std::vector<ChatMessage> messages = {{"system", kSystemPrompt}};
    for (const auto& turn : o.history) messages.push_back({turn.role, turn.content});
    messages.push_back({"user", BuildPrompt(question, relevant)});
    RAGDB_ASSIGN_OR_RETURN(std::string raw, ChatComplete(o.llm, messages, o.on_token));
    a.answer = CleanCitations(raw, relevant.size(), &cited);
    // The answer was generated from all the sources; if it cites none, list them all rather
    // than return an answer without sources.
    if (cited.empty()) {
      for (size_t i = 0; i < relevant.size(); ++i) cited.insert(static_cast<int>(i + 1));
    }
  } else {
    a.answer = ExtractiveAnswer(relevant, qterms, std::max<size_t>(1, o.extractive_sentences),
                                &cited, &cells);
  }
  a.timings["generate"] = MsSince(gen_start);
  for (int n : cited) {
    const RetrievedChunk& r = relevant[n - 1];
    Citation c{n, r.source, r.page, r.chunk_id, r.score, Snippet(r.text), r.kind, r.bbox, ""};
    if (auto it = cells.find(n); it != cells.end()) c.cell = it->second;
    a.citations.push_back(std::move(c));
  }
  a.timings["total"] = MsSince(start);
  return a;
}

}  // namespace ragdb::rag
