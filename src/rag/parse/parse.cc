#include "rag/parse/parse.h"

#include <algorithm>
#include <cctype>

#include "base/file.h"
#include "rag/parse/parsers.h"
#include "rag/text_clean.h"

namespace ragdb::rag {

Result<Format> FormatFromPath(std::string_view path) {
  size_t slash = path.find_last_of('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.find_last_of('.');
  if (dot == std::string_view::npos) {
    return Status::InvalidArgument("unsupported document type (no extension): " +
                                   std::string(path));
  }
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == "txt" || ext == "text") return Format::kText;
  if (ext == "md" || ext == "markdown") return Format::kMarkdown;
  if (ext == "html" || ext == "htm") return Format::kHtml;
  if (ext == "pdf") return Format::kPdf;
  if (ext == "docx") return Format::kDocx;
  if (ext == "csv") return Format::kCsv;
  if (ext == "json") return Format::kJson;
  if (ext == "jsonl" || ext == "ndjson") return Format::kJsonLines;
  if (ext == "xlsx") return Format::kXlsx;
  if (ext == "pptx") return Format::kPptx;
  if (ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "webp" || ext == "tif" ||
      ext == "tiff") {
    return Format::kImage;
  }
  return Status::InvalidArgument("unsupported document type ." + ext + ": " + std::string(path));
}

Result<OcrMode> ParseOcrMode(std::string_view name) {
  if (name == "auto") return OcrMode::kAuto;
  if (name == "always") return OcrMode::kAlways;
  if (name == "never") return OcrMode::kNever;
  return Status::InvalidArgument("ocr mode must be auto, always or never, not '" +
                                 std::string(name) + "'");
}

std::string_view OcrModeName(OcrMode mode) {
  switch (mode) {
    case OcrMode::kAuto:
      return "auto";
    case OcrMode::kAlways:
      return "always";
    case OcrMode::kNever:
      return "never";
  }
  return "auto";
}

Result<std::string_view> CheckTextInput(std::string_view bytes, std::string_view format) {
  bytes = StripBom(bytes);
  size_t nul = bytes.find('\0');
  if (nul != std::string_view::npos) {
    return Status::InvalidArgument(std::string(format) + ": binary data, not text (NUL byte at " +
                                   std::to_string(nul) + ")");
  }
  RAGDB_RETURN_IF_ERROR(CheckUtf8(bytes, format));
  return bytes;
}

Result<ParsedDocument> ParseBytes(std::string_view bytes, Format format,
                                  const ParseOptions& options) {
  if (bytes.size() > options.max_input_bytes) {
    return Status::ResourceExhausted(std::string(FormatName(format)) + ": input of " +
                                     std::to_string(bytes.size()) + " bytes is over the limit of " +
                                     std::to_string(options.max_input_bytes));
  }
  switch (format) {
    case Format::kText:
      return ParseText(bytes, options);
    case Format::kMarkdown:
      return ParseMarkdown(bytes, options);
    case Format::kHtml:
      return ParseHtml(bytes, options);
    case Format::kPdf:
      return ParsePdf(bytes, options);
    case Format::kDocx:
      return ParseDocx(bytes, options);
    case Format::kCsv:
      return ParseCsv(bytes, options);
    case Format::kJson:
      return ParseJson(bytes, options);
    case Format::kJsonLines:
      return ParseJsonLines(bytes, options);
    case Format::kXlsx:
      return ParseXlsx(bytes, options);
    case Format::kPptx:
      return ParsePptx(bytes, options);
    case Format::kImage:
      return ParseImage(bytes, options);
  }
  return Status::InvalidArgument("unknown format");
}

Result<ParsedDocument> ParseFile(const std::string& path, const ParseOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(Format format, FormatFromPath(path));
  RAGDB_ASSIGN_OR_RETURN(uint64_t size, FileSize(path));
  if (size > options.max_input_bytes) {
    return Status::ResourceExhausted(std::string(FormatName(format)) + ": " + path + " has " +
                                     std::to_string(size) + " bytes, over the limit of " +
                                     std::to_string(options.max_input_bytes));
  }
  RAGDB_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  auto doc = ParseBytes(bytes, format, options);
  if (!doc.ok()) return doc.status().WithContext(path);
  doc->metadata.source = path;
  return doc;
}

}  // namespace ragdb::rag
