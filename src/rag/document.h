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

enum class Format { kText, kMarkdown, kHtml, kPdf, kDocx, kCsv, kJson, kJsonLines };

std::string_view FormatName(Format format);

enum class BlockKind {
  kHeading,    // `level` 1..9
  kParagraph,  // flowing text; whitespace collapsed to single spaces
  kListItem,   // `ordered`, `depth` (0 = top level); text starts with "- " or "1. "
  kTable,      // a Markdown pipe table, one row per line
  kCode,       // `language` (may be empty); lines kept verbatim
  kRecord,     // a CSV row or JSON value as "key: value" lines (structured data, never merged)
};

std::string_view BlockKindName(BlockKind kind);

struct Block {
  BlockKind kind = BlockKind::kParagraph;
  // Exactly plain_text.substr(start, end - start) of the owning document.
  std::string text;
  int level = 0;         // headings
  bool ordered = false;  // list items
  int depth = 0;         // list items
  std::string language;  // code blocks
  int page = 0;          // 1-based; 0 when the format has no pages
  // UTF-8 byte offsets into ParsedDocument::plain_text.
  size_t start = 0;
  size_t end = 0;
};

struct DocumentMetadata {
  std::string title;  // empty when the document does not say
  Format format = Format::kText;
  int page_count = 0;  // PDF only; 0 for formats without pages
  std::string source;  // the path given to ParseFile, or whatever the caller set
};

struct ParsedDocument {
  DocumentMetadata metadata;
  std::vector<Block> blocks;
  // Block texts joined with "\n" between consecutive list items and "\n\n" otherwise.
  std::string plain_text;
};

}  // namespace ragdb::rag
