// DocumentBuilder: the one place where raw block text becomes a ParsedDocument.
//
// Parsers hand it raw text; it applies the cleaning policy (NFC, whitespace rules per block kind,
// control characters, exact-duplicate paragraph removal), drops empty blocks, lays out
// `plain_text` and records each block's offsets. Keeping this out of the parsers means every
// format gets identical offsets semantics and cleaning.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "rag/document.h"

namespace ragdb::rag {

class DocumentBuilder {
 public:
  explicit DocumentBuilder(Format format);

  // Exact duplicate paragraphs (after normalization) are dropped by default: repeated
  // boilerplate (page headers, cookie notices) adds nothing and skews retrieval. Parsers of
  // structured data turn this off because repeated records are data.
  void set_drop_duplicate_paragraphs(bool drop) { drop_duplicates_ = drop; }
  void set_page(int page) { page_ = page; }
  void set_title(std::string_view title);
  void set_page_count(int pages) { doc_.metadata.page_count = pages; }
  void add_ocr_page() { ++doc_.metadata.ocr_pages; }
  bool has_title() const { return !doc_.metadata.title.empty(); }

  void AddHeading(int level, std::string_view text);
  void AddParagraph(std::string_view text);
  // A paragraph recognized by OCR, with its box on the page and mean word confidence.
  void AddOcrParagraph(std::string_view text, const BoundingBox& box, float confidence);
  void AddListItem(std::string_view text, bool ordered, int depth, int number = 1);
  // `rows[0]` is the header row. Cells are flattened to one line and '|' is escaped. Rows that
  // are empty after cleaning are dropped, except that grid coordinates (`info.first_row`) stay
  // true: a table with grid coordinates keeps its empty rows.
  void AddTable(const std::vector<std::vector<std::string>>& rows, const TableInfo& info = {});
  // A picture at the current position; its context (text around it) is filled in by Finish.
  void AddImage(DocumentImage image);
  void AddCode(std::string_view text, std::string_view language);
  void AddRecord(std::string_view text);

  size_t block_count() const { return doc_.blocks.size(); }
  size_t image_count() const { return doc_.images.size(); }
  const Block& block(size_t i) const { return doc_.blocks[i]; }
  ParsedDocument Finish() &&;

 private:
  void Append(Block block);

  ParsedDocument doc_;
  int page_ = 0;
  bool drop_duplicates_ = true;
  std::unordered_set<std::string> seen_paragraphs_;
};

// Renders rows as a Markdown pipe table (first row = header), padding short rows.
std::string RenderMarkdownTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace ragdb::rag
