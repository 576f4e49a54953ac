// One function per format, each in its own parse_<format>.cc. Called through ParseBytes, which
// has already checked the size limit; they do their own encoding checks.
#pragma once

#include <string_view>

#include "rag/document.h"
#include "rag/parse/parse.h"
#include "ragdb/status.h"

namespace ragdb::rag {

Result<ParsedDocument> ParseText(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParseMarkdown(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParseHtml(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParsePdf(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParseDocx(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParseCsv(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParseJson(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParseJsonLines(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParseXlsx(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParsePptx(std::string_view bytes, const ParseOptions& options);
Result<ParsedDocument> ParseImage(std::string_view bytes, const ParseOptions& options);

// Shared by the text formats: strips a BOM, fails with "<format>: invalid UTF-8 at byte N"
// (InvalidArgument) or "<format>: binary data (NUL byte at N)" so garbage never reaches a parser.
Result<std::string_view> CheckTextInput(std::string_view bytes, std::string_view format);

}  // namespace ragdb::rag
