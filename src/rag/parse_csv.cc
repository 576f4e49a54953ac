// CSV per RFC 4180: comma separated, fields optionally in double quotes, "" inside quotes is a
// quote, quoted fields may hold commas and line breaks; CRLF or LF line ends. The first row is
// the header.
//
// Rendering: up to ParseOptions::csv_max_table_rows data rows -> one Markdown table block;
// beyond that -> one kRecord block per row of "header: value" lines. A chunk cut from a big
// Markdown table would lose its header; a record names every value it holds. Duplicate rows are
// kept (they are data).
#include <string>
#include <vector>

#include "rag/document_builder.h"
#include "rag/parsers.h"

namespace ragdb::rag {

Status ReadCsvRows(std::string_view s, std::vector<std::vector<std::string>>* rows) {
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted (text after the closing quote is bad)
  size_t line = 1;
  size_t quote_line = 0;
  auto end_field = [&] {
    row.push_back(std::move(field));
    field.clear();
    was_quoted = false;
  };
  auto end_row = [&] {
    end_field();
    if (!(row.size() == 1 && row[0].empty())) rows->push_back(std::move(row));
    row.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || was_quoted) {
        return Status::InvalidArgument("csv: line " + std::to_string(line) +
                                       ": quote inside an unquoted field");
      }
      quoted = was_quoted = true;
      quote_line = line;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      end_row();
      ++line;
    } else if (was_quoted) {
      return Status::InvalidArgument("csv: line " + std::to_string(line) +
                                     ": text after a closing quote");
    } else {
      field.push_back(c);
    }
  }
  if (quoted) {
    return Status::InvalidArgument("csv: unterminated quoted field starting on line " +
                                   std::to_string(quote_line));
  }
  if (!field.empty() || !row.empty() || was_quoted) end_row();
  return Status::Ok();
}

Result<ParsedDocument> ParseCsv(std::string_view bytes, const ParseOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(std::string_view text, CheckTextInput(bytes, "csv"));
  std::vector<std::vector<std::string>> rows;
  RAGDB_RETURN_IF_ERROR(ReadCsvRows(text, &rows));
  DocumentBuilder builder(Format::kCsv);
  builder.set_drop_duplicate_paragraphs(false);
  if (rows.empty()) return std::move(builder).Finish();
  if (rows.size() - 1 <= options.csv_max_table_rows) {
    builder.AddTable(rows);
    return std::move(builder).Finish();
  }
  const std::vector<std::string>& header = rows[0];
  for (size_t r = 1; r < rows.size(); ++r) {
    std::string record;
    for (size_t c = 0; c < rows[r].size(); ++c) {
      if (rows[r][c].empty()) continue;
      std::string key =
          c < header.size() && !header[c].empty() ? header[c] : "column " + std::to_string(c + 1);
      if (!record.empty()) record.push_back('\n');
      // Line breaks inside a value would read as new "key: value" lines.
      std::string value = rows[r][c];
      for (char& ch : value) {
        if (ch == '\n' || ch == '\r') ch = ' ';
      }
      record += key + ": " + value;
    }
    builder.AddRecord(record);
  }
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
