#include "rag/corpus.h"

#include <map>

#include "rag/parse/parsers.h"

namespace ragdb::rag {
namespace {

using ojson = nlohmann::ordered_json;

constexpr int kMaxDepth = 64;

const std::vector<std::string> kIdNames = {"id", "_id", "doc_id"};
const std::vector<std::string> kTitleNames = {"title", "name"};
const std::vector<std::string> kTextNames = {"text", "content", "body", "abstract"};

std::string Scalar(const ojson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// The field to read: the named one (which every record must have), else the first usual name
// the record has with a scalar value; "" when none.
Result<std::string> PickField(const ojson& record, const std::string& named,
                              const std::vector<std::string>& usual, const char* what,
                              const std::string& where) {
  if (!named.empty()) {
    auto it = record.find(named);
    if (it == record.end() || it->is_null()) {
      return Status::InvalidArgument(where + ": no field '" + named + "' (the " + what +
                                     " field given)");
    }
    return named;
  }
  for (const std::string& name : usual) {
    auto it = record.find(name);
    if (it != record.end() && (it->is_string() || it->is_number())) return name;
  }
  return std::string();
}

Result<CorpusRecord> FromObject(const ojson& record, size_t number, const CorpusFields& fields,
                                const std::string& where) {
  CorpusRecord r;
  if (!record.is_object()) {
    // A bare string (or number) is the text itself.
    if (record.is_string() || record.is_number()) {
      r.id = std::to_string(number);
      r.text = Scalar(record);
      return r;
    }
    return Status::InvalidArgument(where + ": expected an object or a string");
  }
  RAGDB_ASSIGN_OR_RETURN(std::string id_field, PickField(record, fields.id, kIdNames, "id", where));
  RAGDB_ASSIGN_OR_RETURN(std::string title_field,
                         PickField(record, fields.title, kTitleNames, "title", where));
  RAGDB_ASSIGN_OR_RETURN(std::string text_field,
                         PickField(record, fields.text, kTextNames, "text", where));
  r.id = id_field.empty() ? std::to_string(number) : Scalar(record[id_field]);
  if (r.id.empty()) return Status::InvalidArgument(where + ": empty id");
  if (!title_field.empty()) r.title = Scalar(record[title_field]);
  if (!text_field.empty()) {
    r.text = Scalar(record[text_field]);
  } else {
    RAGDB_RETURN_IF_ERROR(FlattenJson(record, "", 0, kMaxDepth, &r.text));
  }
  for (const auto& [key, value] : record.items()) {
    if (key == text_field) continue;
    r.metadata[key] = Json::parse(value.dump());
  }
  if (!r.title.empty()) r.metadata["title"] = r.title;
  return r;
}

Result<std::vector<ojson>> JsonRecords(std::string_view text, Format format) {
  std::vector<ojson> out;
  try {
    if (format == Format::kJson) {
      ojson v = ojson::parse(text.begin(), text.end(), nullptr, true, false);
      if (!v.is_array()) {
        return Status::FailedPrecondition("json: the top level is not an array of records");
      }
      for (auto& e : v) out.push_back(std::move(e));
      return out;
    }
    size_t pos = 0, line_no = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      try {
        out.push_back(ojson::parse(line.begin(), line.end()));
      } catch (const ojson::parse_error& e) {
        return Status::InvalidArgument("jsonl: line " + std::to_string(line_no) + ": " + e.what());
      }
    }
  } catch (const ojson::parse_error& e) {
    return Status::InvalidArgument(std::string("json: ") + e.what());
  }
  return out;
}

Result<std::vector<ojson>> CsvRecords(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  RAGDB_RETURN_IF_ERROR(ReadCsvRows(text, &rows));
  std::vector<ojson> out;
  if (rows.empty()) return out;
  const std::vector<std::string>& header = rows[0];
  for (size_t r = 1; r < rows.size(); ++r) {
    ojson o = ojson::object();
    for (size_t c = 0; c < rows[r].size(); ++c) {
      std::string key =
          c < header.size() && !header[c].empty() ? header[c] : "column " + std::to_string(c + 1);
      if (!rows[r][c].empty()) o[key] = rows[r][c];
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

bool IsCorpusFormat(Format format) {
  return format == Format::kJson || format == Format::kJsonLines || format == Format::kCsv;
}

Result<std::vector<CorpusRecord>> ReadCorpus(std::string_view bytes, Format format,
                                             const CorpusFields& fields) {
  if (!IsCorpusFormat(format)) {
    return Status::FailedPrecondition(std::string(FormatName(format)) + " is not a corpus format");
  }
  RAGDB_ASSIGN_OR_RETURN(std::string_view text, CheckTextInput(bytes, FormatName(format)));
  std::vector<ojson> raw;
  if (format == Format::kCsv) {
    RAGDB_ASSIGN_OR_RETURN(raw, CsvRecords(text));
  } else {
    RAGDB_ASSIGN_OR_RETURN(raw, JsonRecords(text, format));
  }
  std::vector<CorpusRecord> out;
  out.reserve(raw.size());
  std::map<std::string, size_t> seen;  // id -> record number
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string where = "record " + std::to_string(i + 1);
    RAGDB_ASSIGN_OR_RETURN(CorpusRecord r, FromObject(raw[i], i + 1, fields, where));
    auto [it, fresh] = seen.emplace(r.id, i + 1);
    if (!fresh) {
      return Status::InvalidArgument("records " + std::to_string(it->second) + " and " +
                                     std::to_string(i + 1) + " have the same id '" + r.id +
                                     "' (choose another field with --id-field)");
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ragdb::rag
