// JSON and JSON Lines, flattened to "path: value" lines so that every value carries the keys
// that explain it ("authors[0].name: Ada").
//
// Blocks: a top-level array gives one kRecord per element, a top-level object or scalar one
// kRecord, JSON Lines one kRecord per line. Strings are written as is (no quotes), null as
// "null"; empty objects/arrays as {} and []. Nesting deeper than ParseOptions::max_json_depth is
// rejected. Errors name the line (JSON Lines) and nlohmann's byte position.
#include <nlohmann/json.hpp>
#include <string>

#include "rag/document_builder.h"
#include "rag/parse/parsers.h"

namespace ragdb::rag {

// ordered_json keeps keys in document order, which reads better than sorted keys.
using json = nlohmann::ordered_json;

Status FlattenJson(const json& v, const std::string& path, int depth, int max_depth,
                   std::string* out) {
  if (depth > max_depth) {
    return Status::InvalidArgument("json: nesting deeper than " + std::to_string(max_depth) +
                                   " at " + (path.empty() ? "$" : path));
  }
  auto line = [&](const std::string& value) {
    if (!out->empty()) out->push_back('\n');
    if (!path.empty()) *out += path + ": ";
    *out += value;
  };
  if (v.is_object()) {
    if (v.empty()) line("{}");
    for (const auto& [key, child] : v.items()) {
      RAGDB_RETURN_IF_ERROR(
          FlattenJson(child, path.empty() ? key : path + "." + key, depth + 1, max_depth, out));
    }
  } else if (v.is_array()) {
    if (v.empty()) line("[]");
    for (size_t i = 0; i < v.size(); ++i) {
      RAGDB_RETURN_IF_ERROR(
          FlattenJson(v[i], path + "[" + std::to_string(i) + "]", depth + 1, max_depth, out));
    }
  } else if (v.is_string()) {
    line(v.get<std::string>());
  } else {
    line(v.dump());
  }
  return Status::Ok();
}

namespace {

Result<json> ParseValue(std::string_view text, const std::string& where) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument(where + ": " + e.what());
  }
}

}  // namespace

Result<ParsedDocument> ParseJson(std::string_view bytes, const ParseOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(std::string_view text, CheckTextInput(bytes, "json"));
  RAGDB_ASSIGN_OR_RETURN(json v, ParseValue(text, "json"));
  DocumentBuilder builder(Format::kJson);
  builder.set_drop_duplicate_paragraphs(false);
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      std::string record;
      RAGDB_RETURN_IF_ERROR(
          FlattenJson(v[i], "[" + std::to_string(i) + "]", 1, options.max_json_depth, &record));
      builder.AddRecord(record);
    }
  } else {
    std::string record;
    RAGDB_RETURN_IF_ERROR(FlattenJson(v, "", 0, options.max_json_depth, &record));
    builder.AddRecord(record);
  }
  return std::move(builder).Finish();
}

Result<ParsedDocument> ParseJsonLines(std::string_view bytes, const ParseOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(std::string_view text, CheckTextInput(bytes, "jsonl"));
  DocumentBuilder builder(Format::kJsonLines);
  builder.set_drop_duplicate_paragraphs(false);
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    RAGDB_ASSIGN_OR_RETURN(json v, ParseValue(line, "jsonl: line " + std::to_string(line_no)));
    std::string record;
    Status s = FlattenJson(v, "", 0, options.max_json_depth, &record);
    if (!s.ok()) return s.WithContext("jsonl: line " + std::to_string(line_no));
    builder.AddRecord(record);
  }
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
