#include "rag/document_builder.h"

#include <algorithm>

#include "rag/text_clean.h"

namespace ragdb::rag {

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kText:
      return "txt";
    case Format::kMarkdown:
      return "md";
    case Format::kHtml:
      return "html";
    case Format::kPdf:
      return "pdf";
    case Format::kDocx:
      return "docx";
    case Format::kCsv:
      return "csv";
    case Format::kJson:
      return "json";
    case Format::kJsonLines:
      return "jsonl";
    case Format::kXlsx:
      return "xlsx";
    case Format::kPptx:
      return "pptx";
    case Format::kImage:
      return "image";
  }
  return "unknown";
}

std::string_view BlockKindName(BlockKind kind) {
  switch (kind) {
    case BlockKind::kHeading:
      return "heading";
    case BlockKind::kParagraph:
      return "paragraph";
    case BlockKind::kListItem:
      return "list_item";
    case BlockKind::kTable:
      return "table";
    case BlockKind::kCode:
      return "code";
    case BlockKind::kRecord:
      return "record";
  }
  return "unknown";
}

void BoundingBox::Extend(const BoundingBox& b) {
  if (b.empty()) return;
  if (empty()) {
    *this = b;
    return;
  }
  x0 = std::min(x0, b.x0);
  y0 = std::min(y0, b.y0);
  x1 = std::max(x1, b.x1);
  y1 = std::max(y1, b.y1);
}

DocumentBuilder::DocumentBuilder(Format format) { doc_.metadata.format = format; }

void DocumentBuilder::set_title(std::string_view title) {
  doc_.metadata.title = CollapseWhitespace(NormalizeNfc(title));
}

void DocumentBuilder::AddHeading(int level, std::string_view text) {
  Block b;
  b.kind = BlockKind::kHeading;
  b.level = std::clamp(level, 1, 9);
  b.text = CollapseWhitespace(NormalizeNfc(text));
  Append(std::move(b));
}

void DocumentBuilder::AddParagraph(std::string_view text) {
  Block b;
  b.kind = BlockKind::kParagraph;
  b.text = CollapseWhitespace(NormalizeNfc(text));
  if (b.text.empty()) return;
  if (drop_duplicates_ && !seen_paragraphs_.insert(b.text).second) return;
  Append(std::move(b));
}

void DocumentBuilder::AddOcrParagraph(std::string_view text, const BoundingBox& box,
                                      float confidence) {
  Block b;
  b.kind = BlockKind::kParagraph;
  b.text = CollapseWhitespace(NormalizeNfc(text));
  b.ocr = true;
  b.bbox = box;
  b.confidence = confidence;
  Append(std::move(b));
}

void DocumentBuilder::AddImage(DocumentImage image) {
  image.page = image.page > 0 ? image.page : page_;
  image.caption = CollapseWhitespace(NormalizeNfc(image.caption));
  // Blocks are joined by "\n\n": the image sits where the next block will start.
  image.offset = doc_.plain_text.empty() ? 0 : doc_.plain_text.size() + 2;
  doc_.images.push_back(std::move(image));
}

void DocumentBuilder::AddListItem(std::string_view text, bool ordered, int depth, int number) {
  std::string body = CollapseWhitespace(NormalizeNfc(text));
  if (body.empty()) return;
  Block b;
  b.kind = BlockKind::kListItem;
  b.ordered = ordered;
  b.depth = std::max(depth, 0);
  b.text = (ordered ? std::to_string(number) + ". " : std::string("- ")) + body;
  Append(std::move(b));
}

void DocumentBuilder::AddTable(const std::vector<std::vector<std::string>>& rows,
                               const TableInfo& info) {
  std::vector<std::vector<std::string>> clean;
  bool any_cell = false;
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    bool any = false;
    for (const auto& cell : row) {
      cells.push_back(CollapseWhitespace(NormalizeNfc(cell)));
      any = any || !cells.back().empty();
    }
    any_cell = any_cell || any;
    if (any || info.first_row > 0) clean.push_back(std::move(cells));
  }
  if (!any_cell) return;
  Block b;
  b.kind = BlockKind::kTable;
  b.text = RenderMarkdownTable(clean);
  b.table = info;
  Append(std::move(b));
}

void DocumentBuilder::AddCode(std::string_view text, std::string_view language) {
  Block b;
  b.kind = BlockKind::kCode;
  b.language = std::string(language);
  b.text = CleanLines(NormalizeNfc(text));
  Append(std::move(b));
}

void DocumentBuilder::AddRecord(std::string_view text) {
  Block b;
  b.kind = BlockKind::kRecord;
  b.text = CleanLines(NormalizeNfc(text));
  Append(std::move(b));
}

void DocumentBuilder::Append(Block b) {
  if (b.text.empty()) return;
  b.page = page_;
  std::string& pt = doc_.plain_text;
  if (!doc_.blocks.empty()) {
    bool list_run =
        b.kind == BlockKind::kListItem && doc_.blocks.back().kind == BlockKind::kListItem;
    pt += list_run ? "\n" : "\n\n";
  }
  b.start = pt.size();
  pt += b.text;
  b.end = pt.size();
  doc_.blocks.push_back(std::move(b));
}

ParsedDocument DocumentBuilder::Finish() && {
  // The text around each image: what a reader sees next to it, for retrieval by words.
  constexpr size_t kContextBytes = 300;
  const std::string& pt = doc_.plain_text;
  for (DocumentImage& img : doc_.images) {
    size_t at = std::min(img.offset, pt.size());
    size_t b = at > kContextBytes ? at - kContextBytes : 0;
    size_t e = std::min(pt.size(), at + kContextBytes);
    while (b > 0 && (static_cast<unsigned char>(pt[b]) & 0xC0) == 0x80) --b;  // UTF-8
    while (e < pt.size() && (static_cast<unsigned char>(pt[e]) & 0xC0) == 0x80) ++e;
    img.context = CollapseWhitespace(pt.substr(b, e - b));
  }
  if (doc_.metadata.title.empty()) {
    for (const Block& b : doc_.blocks) {
      if (b.kind == BlockKind::kHeading && b.level == 1) {
        doc_.metadata.title = b.text;
        break;
      }
    }
  }
  return std::move(doc_);
}

std::string RenderMarkdownTable(const std::vector<std::vector<std::string>>& rows) {
  size_t cols = 0;
  for (const auto& r : rows) cols = std::max(cols, r.size());
  if (cols == 0) return "";
  auto render_row = [&](const std::vector<std::string>& row, std::string* out) {
    out->append("|");
    for (size_t c = 0; c < cols; ++c) {
      out->push_back(' ');
      if (c < row.size()) {
        for (char ch : row[c]) {
          if (ch == '|') out->push_back('\\');
          out->push_back(ch == '\n' ? ' ' : ch);
        }
      }
      out->append(" |");
    }
  };
  std::string out;
  render_row(rows[0], &out);
  out.append("\n|");
  for (size_t c = 0; c < cols; ++c) out.append(" --- |");
  for (size_t r = 1; r < rows.size(); ++r) {
    out.push_back('\n');
    render_row(rows[r], &out);
  }
  return out;
}

}  // namespace ragdb::rag
