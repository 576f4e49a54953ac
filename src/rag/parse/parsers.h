// One function per format, each in its own parse_<format>.cc. Called through ParseBytes, which
// has already checked the size limit; they do their own encoding checks.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

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

// RFC 4180 rows of a CSV text (parse_csv.cc); the first row is the header. Empty lines are
// skipped; errors name the line.
Status ReadCsvRows(std::string_view text, std::vector<std::vector<std::string>>* rows);
// A JSON value as "path: value" lines appended to *out (parse_json.cc); InvalidArgument past
// `max_depth`.
Status FlattenJson(const nlohmann::ordered_json& v, const std::string& path, int depth,
                   int max_depth, std::string* out);

// Shared by the text formats: strips a BOM, fails with "<format>: invalid UTF-8 at byte N"
// (InvalidArgument) or "<format>: binary data (NUL byte at N)" so garbage never reaches a parser.
Result<std::string_view> CheckTextInput(std::string_view bytes, std::string_view format);

}  // namespace ragdb::rag
