// Entry points of document parsing: pick a parser by file extension or by an explicit Format.
//
// Every failure is a Status whose message starts with the format name ("pdf: ...", "docx: ...")
// so an ingest log can tell which file and why. No parser touches the network.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "model/vision/image.h"
#include "rag/document.h"
#include "ragdb/status.h"

namespace ragdb::rag {

enum class OcrMode {
  kAuto,    // OCR image files, embedded pictures with text, and PDF pages whose text layer is
            // empty or garbage (the default)
  kAlways,  // OCR every PDF page (its text layer is ignored) and every picture
  kNever,   // no OCR: image files and scanned pages then have no text
};
// "auto" | "always" | "never".
Result<OcrMode> ParseOcrMode(std::string_view name);
std::string_view OcrModeName(OcrMode mode);

struct OcrOptions {
  OcrMode mode = OcrMode::kAuto;
  // Tesseract languages joined by '+' (Debian packages tesseract-ocr-<lang>).
  std::string languages = "eng+chi_sim";
  // PDF pages are rendered at this resolution for OCR (lowered when a page would exceed the
  // image pixel limit).
  int pdf_dpi = 300;
  // Words recognized with less confidence (0-100) are dropped: noise from pictures and
  // textures.
  float min_word_confidence = 30;
  // Embedded pictures smaller than this on either side are not OCR'd (icons, bullets).
  int min_picture_side = 64;
};

struct ParseOptions {
  // Refuse inputs larger than this before any parsing (ResourceExhausted).
  size_t max_input_bytes = 256u << 20;
  // .txt only: decode bytes that are not valid UTF-8 as ISO-8859-1 instead of failing. Off by
  // default because a binary file would then "parse" into garbage text silently.
  bool latin1_fallback = false;
  // Zip-bomb guards of DOCX, XLSX and PPTX: checked against the zip's declared sizes before
  // inflating anything, and reads never inflate more than the declared size.
  size_t max_zip_uncompressed_bytes = 128u << 20;
  size_t max_zip_entries = 10000;
  // XLSX: cells read over all sheets; past it the file is refused (ResourceExhausted).
  size_t max_spreadsheet_cells = 2'000'000;
  // Pixel and page limits of every decoded picture (image files, pictures in documents, PDF
  // pages rendered for OCR).
  vision::ImageLimits image_limits;
  OcrOptions ocr;
  // Keep the pictures found in documents (ParsedDocument::images) and, for PDF, find them on
  // the page. Off by default: only a knowledge base with an image embedder needs them.
  bool extract_images = false;
  // At most this many pictures are kept per document.
  size_t max_images = 500;
  // JSON nesting deeper than this is rejected (InvalidArgument) rather than recursed into.
  int max_json_depth = 64;
};

// Format from the extension (case-insensitive): .txt .text .md .markdown .html .htm .pdf .docx
// .csv .json .jsonl .ndjson .xlsx .pptx .png .jpg .jpeg .webp .tif .tiff. InvalidArgument for
// anything else.
Result<Format> FormatFromPath(std::string_view path);

// Reads and parses a file; metadata.source is set to `path`.
Result<ParsedDocument> ParseFile(const std::string& path, const ParseOptions& options = {});

// Parses in-memory bytes of a known format; metadata.source is left empty.
Result<ParsedDocument> ParseBytes(std::string_view bytes, Format format,
                                  const ParseOptions& options = {});

}  // namespace ragdb::rag
