// CSV per RFC 4180: comma separated, fields optionally in double quotes, "" inside quotes is a
// quote, quoted fields may hold commas and line breaks; CRLF or LF line ends. The first row is
// the header.
//
// Rendering: one Markdown table block whatever its length, with grid coordinates (A1 = the
// header's first cell) so a citation can name a cell. The chunker cuts a long table into pieces
// that each repeat the header, so no piece loses its column names. Duplicate rows are kept (they
// are data).
#include <string>
#include <vector>

#include "rag/document_builder.h"
#include "rag/parse/parsers.h"

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

Result<ParsedDocument> ParseCsv(std::string_view bytes, const ParseOptions&) {
  RAGDB_ASSIGN_OR_RETURN(std::string_view text, CheckTextInput(bytes, "csv"));
  std::vector<std::vector<std::string>> rows;
  RAGDB_RETURN_IF_ERROR(ReadCsvRows(text, &rows));
  DocumentBuilder builder(Format::kCsv);
  builder.set_drop_duplicate_paragraphs(false);
  if (rows.empty()) return std::move(builder).Finish();
  TableInfo info;
  info.first_row = 1;
  info.first_col = 1;
  builder.AddTable(rows, info);
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
