#include "rag/parse/pdf_layout.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace ragdb::rag {

namespace {

std::string_view TrimSpaces(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\f\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\f\r") - b + 1);
}

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Cells of a line split at runs of 2+ spaces, with the column (in code points) each starts at.
struct Row {
  std::vector<std::string> cells;
  std::vector<size_t> columns;
};

Row Cells(std::string_view line) {
  Row row;
  size_t i = line.find_first_not_of(" \t\f\r");
  while (i != std::string_view::npos && i < line.size()) {
    size_t gap = line.find("  ", i);
    if (gap == std::string_view::npos) gap = line.size();
    std::string_view cell = TrimSpaces(line.substr(i, gap - i));
    if (!cell.empty()) {
      row.cells.emplace_back(cell);
      row.columns.push_back(CodePoints(line.substr(0, i)));
    }
    i = line.find_first_not_of(' ', gap);
  }
  return row;
}

// Same cell count and every cell starting within 2 columns of the one above it: justified prose
// has wide gaps too, but never aligned from line to line.
bool SameGrid(const Row& a, const Row& b) {
  if (a.cells.size() != b.cells.size()) return false;
  for (size_t c = 1; c < a.columns.size(); ++c) {
    size_t x = a.columns[c], y = b.columns[c];
    if ((x > y ? x - y : y - x) > 2) return false;
  }
  return true;
}

bool EndsSentence(std::string_view s) {
  if (s.empty()) return false;
  char c = s.back();
  if (c == '.' || c == '!' || c == '?' || c == ':') return true;
  for (std::string_view cjk : {"。", "！", "？", "："}) {
    if (s.size() >= cjk.size() && s.substr(s.size() - cjk.size()) == cjk) return true;
  }
  return false;
}

}  // namespace

void AddPdfPageText(std::string_view page_text, DocumentBuilder* builder) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos <= page_text.size()) {
    size_t nl = page_text.find('\n', pos);
    if (nl == std::string_view::npos) nl = page_text.size();
    lines.push_back(page_text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  size_t longest = 0;
  for (auto l : lines) longest = std::max(longest, CodePoints(TrimSpaces(l)));

  std::string para;
  auto flush = [&] {
    builder->AddParagraph(para);
    para.clear();
  };
  for (size_t i = 0; i < lines.size();) {
    std::string_view line = TrimSpaces(lines[i]);
    if (line.empty()) {
      flush();
      ++i;
      continue;
    }
    // Table run starting here?
    Row first = Cells(lines[i]);
    size_t ncells = first.cells.size();
    if (ncells >= 2) {
      size_t k = i + 1;
      while (k < lines.size() && SameGrid(first, Cells(lines[k]))) ++k;
      if (k - i >= 2 && (ncells >= 3 || k - i >= 3)) {
        flush();
        std::vector<std::vector<std::string>> rows;
        for (size_t r = i; r < k; ++r) rows.push_back(Cells(lines[r]).cells);
        builder->AddTable(rows);
        i = k;
        continue;
      }
    }
    if (!para.empty()) {
      unsigned char last = para.size() >= 2 ? para[para.size() - 2] : 0;
      if (para.back() == '-' && std::isalpha(last) &&
          std::islower(static_cast<unsigned char>(line[0]))) {
        para.pop_back();  // hyphenated word split over two lines
      } else {
        para.push_back(' ');
      }
    }
    para.append(line);
    if (EndsSentence(line) && CodePoints(line) * 4 < longest * 3) flush();
    ++i;
  }
  flush();
}

}  // namespace ragdb::rag
