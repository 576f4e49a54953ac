// The parsed form of a document: an ordered list of blocks over one normalized plain text.
//
// Every parser (parse_*.cc) produces a ParsedDocument through DocumentBuilder, so all formats share
// one cleaning policy (NFC, whitespace, duplicate removal) and one plain-text layout. The chunker
// (chunker.h) only ever cuts `plain_text`, which is why each block records its offsets into it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ragdb::rag {

enum class Format {
  kText,
  kMarkdown,
  kHtml,
  kPdf,
  kDocx,
  kCsv,
  kJson,
  kJsonLines,
  kXlsx,
  kPptx,
  kImage,  // PNG, JPEG, WebP, TIFF: text by OCR, and the picture itself
};

std::string_view FormatName(Format format);

enum class BlockKind {
  kHeading,    // `level` 1..9
  kParagraph,  // flowing text; whitespace collapsed to single spaces
  kListItem,   // `ordered`, `depth` (0 = top level); text starts with "- " or "1. "
  kTable,      // a Markdown pipe table, one row per line
  kCode,       // `language` (may be empty); lines kept verbatim
  kRecord,     // a JSON value as "key: value" lines (structured data, never merged)
};

std::string_view BlockKindName(BlockKind kind);

// A rectangle, top-left origin: pixels of an image file, or PDF points (1/72 inch) of a page.
struct BoundingBox {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return !(x1 > x0 && y1 > y0); }
  void Extend(const BoundingBox& b);  // the union (an empty box is the identity)
};

// Where a kTable block came from, so that a cell can be named in a citation.
struct TableInfo {
  int header_rows = 1;  // the Markdown header row (always 1 in a rendered table)
  std::string sheet;    // spreadsheets: the sheet's name
  // Spreadsheets and CSV: 1-based row and column of the header's first cell (A1 = 1, 1), so
  // Markdown row r (0 = header), column c is the cell at (first_row + r, first_col + c).
  // 0 when the table has no grid coordinates (HTML, DOCX, PDF, slides).
  int first_row = 0;
  int first_col = 0;
};

struct Block {
  BlockKind kind = BlockKind::kParagraph;
  // Exactly plain_text.substr(start, end - start) of the owning document.
  std::string text;
  int level = 0;         // headings
  bool ordered = false;  // list items
  int depth = 0;         // list items
  std::string language;  // code blocks
  int page = 0;          // 1-based page, slide or sheet; 0 when the format has none
  // UTF-8 byte offsets into ParsedDocument::plain_text.
  size_t start = 0;
  size_t end = 0;
  // Text recognized by OCR: where it is on the page (bbox) and the mean word confidence (0-100).
  bool ocr = false;
  BoundingBox bbox;
  float confidence = -1;
  TableInfo table;  // kTable blocks
};

// A picture found in a document (or the document itself, for image files), kept for image
// search: the knowledge base embeds it with an image model and stores it with its caption and
// the text around it.
struct DocumentImage {
  std::string bytes;  // encoded PNG / JPEG / WebP / TIFF (a PDF region is rendered to PNG)
  std::string name;   // its part in the file ("word/media/image1.png"), or "page 3 image 1"
  int width = 0, height = 0;
  int page = 0;         // page / slide it is on; 0 when the format has no pages
  BoundingBox bbox;     // PDF: its rectangle on the page, in points; else empty
  std::string caption;  // alt text, or a "Figure ..." / caption-styled paragraph next to it
  std::string context;  // up to ~300 bytes of text before and after it
  size_t offset = 0;    // where it sits in plain_text
};

struct DocumentMetadata {
  std::string title;  // empty when the document does not say
  Format format = Format::kText;
  int page_count = 0;  // PDF pages, slides, sheets, TIFF pages; 0 for formats without pages
  int ocr_pages = 0;   // pages (or images) whose text came from OCR
  std::string source;  // the path given to ParseFile, or whatever the caller set
};

struct ParsedDocument {
  DocumentMetadata metadata;
  std::vector<Block> blocks;
  // Block texts joined with "\n" between consecutive list items and "\n\n" otherwise.
  std::string plain_text;
  std::vector<DocumentImage> images;
};

}  // namespace ragdb::rag
