// Markdown (CommonMark subset + GFM pipe tables), parsed line by line.
//
// Supported: ATX and setext headings, fenced (``` ~~~) and indented code, ordered/unordered
// lists with nesting by indentation and continuation lines, pipe tables (kept as tables),
// block quotes (as paragraphs), thematic breaks (dropped), YAML front matter (title: only).
// Inline markup is reduced to its text: links and images keep their label, emphasis markers and
// backticks go. HTML inside Markdown is kept as text.
#include <cctype>
#include <string>
#include <vector>

#include "rag/document_builder.h"
#include "rag/parse/parsers.h"

namespace ragdb::rag {

namespace {

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool IsBlank(std::string_view s) { return Trim(s).empty(); }

// Columns of leading indentation (tab = 4).
int Indent(std::string_view s) {
  int cols = 0;
  for (char c : s) {
    if (c == ' ') {
      ++cols;
    } else if (c == '\t') {
      cols += 4 - cols % 4;
    } else {
      break;
    }
  }
  return cols;
}

struct Fence {
  char ch = 0;
  size_t len = 0;
  std::string info;
};

bool ParseFence(std::string_view line, Fence* f) {
  if (Indent(line) > 3) return false;
  std::string_view t = Trim(line);
  if (t.size() < 3 || (t[0] != '`' && t[0] != '~')) return false;
  size_t n = t.find_first_not_of(t[0]);
  if (n == std::string_view::npos) n = t.size();
  if (n < 3) return false;
  std::string_view info = Trim(t.substr(n));
  if (t[0] == '`' && info.find('`') != std::string_view::npos) return false;
  f->ch = t[0];
  f->len = n;
  size_t sp = info.find_first_of(" \t{");
  f->info = std::string(info.substr(0, sp));
  return true;
}

bool ParseAtx(std::string_view line, int* level, std::string_view* text) {
  if (Indent(line) > 3) return false;
  std::string_view t = Trim(line);
  size_t n = 0;
  while (n < t.size() && t[n] == '#') ++n;
  if (n == 0 || n > 6 || (n < t.size() && t[n] != ' ' && t[n] != '\t')) return false;
  std::string_view rest = Trim(t.substr(n));
  // An optional closing run of '#' preceded by a space is not part of the text.
  size_t e = rest.find_last_not_of('#');
  if (e == std::string_view::npos) {
    rest = {};
  } else if (e + 1 < rest.size() && (rest[e] == ' ' || rest[e] == '\t')) {
    rest = Trim(rest.substr(0, e));
  }
  *level = static_cast<int>(n);
  *text = rest;
  return true;
}

bool IsRunOf(std::string_view line, char ch, bool allow_inner_spaces) {
  if (Indent(line) > 3) return false;
  std::string_view t = Trim(line);
  size_t count = 0;
  for (char c : t) {
    if (c == ch) {
      ++count;
    } else if (!(allow_inner_spaces && (c == ' ' || c == '\t'))) {
      return false;
    }
  }
  return count >= (allow_inner_spaces ? 3u : 1u);
}

bool IsThematicBreak(std::string_view line) {
  return IsRunOf(line, '-', true) || IsRunOf(line, '*', true) || IsRunOf(line, '_', true);
}

struct ListMarker {
  int indent = 0;
  bool ordered = false;
  int number = 1;
  std::string_view text;
};

bool ParseListMarker(std::string_view line, ListMarker* m) {
  int indent = Indent(line);
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos) return false;
  std::string_view t = line.substr(i);
  size_t mlen = 0;
  bool ordered = false;
  int number = 1;
  if (t[0] == '-' || t[0] == '*' || t[0] == '+') {
    mlen = 1;
  } else {
    size_t d = 0;
    while (d < t.size() && d < 9 && std::isdigit(static_cast<unsigned char>(t[d]))) ++d;
    if (d == 0 || d >= t.size() || (t[d] != '.' && t[d] != ')')) return false;
    number = std::stoi(std::string(t.substr(0, d)));
    ordered = true;
    mlen = d + 1;
  }
  if (mlen < t.size() && t[mlen] != ' ' && t[mlen] != '\t') return false;
  m->indent = indent;
  m->ordered = ordered;
  m->number = number;
  m->text = Trim(t.substr(mlen));
  return true;
}

std::vector<std::string> SplitTableRow(std::string_view line) {
  std::string_view t = Trim(line);
  if (!t.empty() && t.front() == '|') t.remove_prefix(1);
  if (!t.empty() && t.back() == '|' && (t.size() < 2 || t[t.size() - 2] != '\\')) {
    t.remove_suffix(1);
  }
  std::vector<std::string> cells;
  std::string cur;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '\\' && i + 1 < t.size() && t[i + 1] == '|') {
      cur.push_back('|');
      ++i;
    } else if (t[i] == '|') {
      cells.emplace_back(Trim(cur));
      cur.clear();
    } else {
      cur.push_back(t[i]);
    }
  }
  cells.emplace_back(Trim(cur));
  return cells;
}

bool IsTableDelimiterRow(std::string_view line) {
  if (line.find('-') == std::string_view::npos) return false;
  for (const std::string& cell : SplitTableRow(line)) {
    std::string_view c = Trim(cell);
    if (c.empty()) return false;
    if (c.front() == ':') c.remove_prefix(1);
    if (!c.empty() && c.back() == ':') c.remove_suffix(1);
    if (c.empty() || c.find_first_not_of('-') != std::string_view::npos) return false;
  }
  return true;
}

// Reduces inline Markdown to its visible text.
std::string InlineText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && std::ispunct(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back(s[++i]);
    } else if ((c == '[' || (c == '!' && i + 1 < s.size() && s[i + 1] == '['))) {
      // [label](target) or ![alt](src): keep the label only.
      size_t open = c == '!' ? i + 1 : i;
      size_t close = s.find(']', open);
      if (close != std::string_view::npos && close + 1 < s.size() && s[close + 1] == '(') {
        size_t paren = s.find(')', close);
        if (paren != std::string_view::npos) {
          out += InlineText(s.substr(open + 1, close - open - 1));
          i = paren;
          continue;
        }
      }
      out.push_back(c);
    } else if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] == c) {
      ++i;  // strong emphasis marker
    } else if (c == '`') {
      // code span delimiters
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string StripBlockQuote(std::string_view line) {
  std::string_view t = line;
  for (;;) {
    size_t i = t.find_first_not_of(" \t");
    if (i == std::string_view::npos || t[i] != '>' || i > 3) break;
    t = t.substr(i + 1);
  }
  return std::string(t);
}

class MarkdownParser {
 public:
  explicit MarkdownParser(std::string_view text) : builder_(Format::kMarkdown) {
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines_.push_back(line);
      pos = nl + 1;
    }
  }

  ParsedDocument Run() && {
    size_t i = FrontMatter();
    bool prev_list = false;
    while (i < lines_.size()) {
      std::string_view line = lines_[i];
      Fence fence;
      int level;
      std::string_view heading;
      ListMarker marker;
      if (IsBlank(line)) {
        FlushParagraph();
        ++i;
        continue;
      }
      if (ParseFence(line, &fence)) {
        FlushParagraph();
        i = CodeFence(i, fence);
        prev_list = false;
      } else if (ParseAtx(line, &level, &heading)) {
        FlushParagraph();
        builder_.AddHeading(level, InlineText(heading));
        ++i;
        prev_list = false;
      } else if (!para_.empty() && IsRunOf(line, '=', false)) {
        builder_.AddHeading(1, InlineText(para_));
        para_.clear();
        ++i;
      } else if (!para_.empty() && IsRunOf(line, '-', false)) {
        builder_.AddHeading(2, InlineText(para_));
        para_.clear();
        ++i;
      } else if (IsThematicBreak(line)) {
        FlushParagraph();
        ++i;
      } else if (line.find('|') != std::string_view::npos && i + 1 < lines_.size() &&
                 IsTableDelimiterRow(lines_[i + 1])) {
        FlushParagraph();
        i = Table(i);
        prev_list = false;
      } else if (ParseListMarker(line, &marker)) {
        FlushParagraph();
        i = ListItem(i, marker);
        prev_list = true;
      } else if (para_.empty() && !prev_list && Indent(line) >= 4) {
        i = IndentedCode(i);
      } else {
        std::string_view t = Trim(line);
        std::string quoted;
        if (!t.empty() && t[0] == '>') {
          quoted = StripBlockQuote(line);
          t = quoted;
        }
        if (!para_.empty()) para_.push_back(' ');
        para_.append(t);
        if (para_.size() == t.size()) prev_list = false;
        ++i;
      }
    }
    FlushParagraph();
    return std::move(builder_).Finish();
  }

 private:
  size_t FrontMatter() {
    if (lines_.empty() || Trim(lines_[0]) != "---") return 0;
    for (size_t i = 1; i < lines_.size() && i < 200; ++i) {
      std::string_view t = Trim(lines_[i]);
      if (t == "---" || t == "...") {
        for (size_t k = 1; k < i; ++k) {
          std::string_view l = Trim(lines_[k]);
          if (l.substr(0, 6) == "title:") {
            std::string_view v = Trim(l.substr(6));
            if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
              v = v.substr(1, v.size() - 2);
            }
            builder_.set_title(v);
          }
        }
        return i + 1;
      }
    }
    return 0;
  }

  void FlushParagraph() {
    if (!para_.empty()) builder_.AddParagraph(InlineText(para_));
    para_.clear();
  }

  size_t CodeFence(size_t i, const Fence& open) {
    int strip = Indent(lines_[i]);
    std::string code;
    size_t k = i + 1;
    for (; k < lines_.size(); ++k) {
      Fence close;
      if (ParseFence(lines_[k], &close) && close.ch == open.ch && close.len >= open.len &&
          close.info.empty()) {
        ++k;
        break;
      }
      std::string_view l = lines_[k];
      int drop = 0;
      while (drop < strip && drop < static_cast<int>(l.size()) && l[drop] == ' ') ++drop;
      code.append(l.substr(drop));
      code.push_back('\n');
    }
    builder_.AddCode(code, open.info);
    return k;
  }

  size_t IndentedCode(size_t i) {
    std::string code;
    size_t k = i;
    for (; k < lines_.size(); ++k) {
      std::string_view l = lines_[k];
      if (!IsBlank(l) && Indent(l) < 4) break;
      size_t drop = 0;
      int cols = 0;
      while (drop < l.size() && cols < 4) {
        cols += l[drop] == '\t' ? 4 : 1;
        ++drop;
      }
      code.append(l.substr(drop));
      code.push_back('\n');
    }
    builder_.AddCode(code, "");
    return k;
  }

  size_t Table(size_t i) {
    std::vector<std::vector<std::string>> rows;
    auto add = [&](std::string_view line) {
      std::vector<std::string> cells = SplitTableRow(line);
      for (auto& c : cells) c = InlineText(c);
      rows.push_back(std::move(cells));
    };
    add(lines_[i]);
    size_t k = i + 2;
    for (; k < lines_.size(); ++k) {
      if (IsBlank(lines_[k]) || lines_[k].find('|') == std::string_view::npos) break;
      add(lines_[k]);
    }
    builder_.AddTable(rows);
    return k;
  }

  size_t ListItem(size_t i, const ListMarker& m) {
    // Nesting: each level of indentation (2 columns or more) below the first item's indent.
    if (list_indents_.empty() || m.indent < list_indents_.front()) list_indents_ = {m.indent};
    while (list_indents_.size() > 1 && m.indent < list_indents_.back()) list_indents_.pop_back();
    if (m.indent >= list_indents_.back() + 2) list_indents_.push_back(m.indent);
    int depth = static_cast<int>(list_indents_.size()) - 1;
    std::string text(m.text);
    size_t k = i + 1;
    for (; k < lines_.size(); ++k) {
      std::string_view l = lines_[k];
      Fence f;
      int lv;
      std::string_view h;
      ListMarker next;
      if (IsBlank(l) || ParseListMarker(l, &next) || ParseFence(l, &f) || ParseAtx(l, &lv, &h) ||
          IsThematicBreak(l)) {
        break;
      }
      text.push_back(' ');
      text.append(Trim(l));
    }
    builder_.AddListItem(InlineText(text), m.ordered, depth, m.number);
    return k;
  }

  DocumentBuilder builder_;
  std::vector<std::string_view> lines_;
  std::string para_;
  std::vector<int> list_indents_;
};

}  // namespace

Result<ParsedDocument> ParseMarkdown(std::string_view bytes, const ParseOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(std::string_view text, CheckTextInput(bytes, "md"));
  return MarkdownParser(text).Run();
}

}  // namespace ragdb::rag
