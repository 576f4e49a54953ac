// Entry points of document parsing: pick a parser by file extension or by an explicit Format.
//
// Every failure is a Status whose message starts with the format name ("pdf: ...", "docx: ...")
// so an ingest log can tell which file and why. No parser touches the network.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "rag/document.h"
#include "ragdb/status.h"

namespace ragdb::rag {

struct ParseOptions {
  // Refuse inputs larger than this before any parsing (ResourceExhausted).
  size_t max_input_bytes = 256u << 20;
  // .txt only: decode bytes that are not valid UTF-8 as ISO-8859-1 instead of failing. Off by
  // default because a binary file would then "parse" into garbage text silently.
  bool latin1_fallback = false;
  // DOCX zip-bomb guards: checked against the zip's declared sizes before inflating anything,
  // and reads never inflate more than the declared size.
  size_t max_docx_uncompressed_bytes = 128u << 20;
  size_t max_docx_entries = 10000;
  // CSV files with more data rows than this become one kRecord block per row ("header: value"
  // lines) instead of one Markdown table, so that chunks of big tables stay self-describing.
  size_t csv_max_table_rows = 50;
  // JSON nesting deeper than this is rejected (InvalidArgument) rather than recursed into.
  int max_json_depth = 64;
};

// Format from the extension (case-insensitive): .txt .text .md .markdown .html .htm .pdf .docx
// .csv .json .jsonl .ndjson. InvalidArgument for anything else.
Result<Format> FormatFromPath(std::string_view path);

// Reads and parses a file; metadata.source is set to `path`.
Result<ParsedDocument> ParseFile(const std::string& path, const ParseOptions& options = {});

// Parses in-memory bytes of a known format; metadata.source is left empty.
Result<ParsedDocument> ParseBytes(std::string_view bytes, Format format,
                                  const ParseOptions& options = {});

}  // namespace ragdb::rag
