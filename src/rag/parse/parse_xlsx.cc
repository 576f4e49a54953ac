// XLSX (Office Open XML spreadsheets): every sheet, in workbook order, becomes a heading (the
// sheet's name) and its tables. The zip is opened with the guards of zip_reader.h; worksheets and
// the shared strings are read with libxml2's streaming reader, so memory follows the cells kept,
// not the size of the XML, and the total number of cells is capped
// (ParseOptions::max_spreadsheet_cells).
//
// Cells are shown as Excel shows them: shared and inline strings, booleans as TRUE / FALSE,
// errors as written (#DIV/0!), formulas by their cached value, numbers and dates through the
// cell's number format (xlsx_format.h). A merged range repeats its top-left value in every cell,
// so that each row of a table stays self-describing.
//
// Tables: a sheet's used cells are cut into tables at empty rows; a table's first row is its
// header, and a first row with a single value above a wider table is its title (a heading).
// Each table block keeps the sheet's name and the header's cell, so a citation can name a cell
// ("Sales!C4"). The block's page is the sheet's number (1-based).
#include <libxml/xmlreader.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <map>

#include "rag/document_builder.h"
#include "rag/parse/parsers.h"
#include "rag/parse/xlsx_format.h"
#include "rag/parse/xml_util.h"
#include "rag/parse/zip_reader.h"

namespace ragdb::rag {
namespace {

constexpr int kMaxRows = 1048576;  // Excel's grid
constexpr int kMaxCols = 16384;

struct ReaderFree {
  void operator()(xmlTextReader* r) const { xmlFreeTextReader(r); }
};
using ReaderPtr = std::unique_ptr<xmlTextReader, ReaderFree>;

Result<ReaderPtr> OpenReader(const std::string& xml, const std::string& name) {
  RAGDB_RETURN_IF_ERROR(CheckNoDtd(xml, name, "xlsx"));
  if (xml.size() > static_cast<size_t>(INT32_MAX)) {
    return Status::ResourceExhausted("xlsx: " + name + " is over 2 GiB");
  }
  SilenceLibxml();
  xmlTextReader* r = xmlReaderForMemory(
      xml.data(), static_cast<int>(xml.size()), name.c_str(), nullptr,
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
  if (r == nullptr) return Status::Corruption("xlsx: cannot read " + name);
  return ReaderPtr(r);
}

std::string_view LocalName(xmlTextReader* r) {
  const xmlChar* n = xmlTextReaderConstLocalName(r);
  return n ? reinterpret_cast<const char*>(n) : "";
}

std::string Attribute(xmlTextReader* r, const char* name) {
  xmlChar* v = xmlTextReaderGetAttribute(r, reinterpret_cast<const xmlChar*>(name));
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

// "C12" -> (12, 3); false when malformed or outside Excel's grid.
bool ParseRef(std::string_view ref, int* row, int* col) {
  size_t i = 0;
  int c = 0, r = 0;
  while (i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z' && c <= kMaxCols) {
    c = c * 26 + (ref[i++] - 'A' + 1);
  }
  if (i == 0 || i == ref.size()) return false;
  for (; i < ref.size(); ++i) {
    if (ref[i] < '0' || ref[i] > '9' || r > kMaxRows) return false;
    r = r * 10 + (ref[i] - '0');
  }
  if (r < 1 || r > kMaxRows || c < 1 || c > kMaxCols) return false;
  *row = r;
  *col = c;
  return true;
}

// xl/sharedStrings.xml: <si> items, each the text of its <t> (rich runs joined; phonetic
// readings <rPh> left out).
Result<std::vector<std::string>> ReadSharedStrings(const std::string& xml, size_t max) {
  RAGDB_ASSIGN_OR_RETURN(ReaderPtr r, OpenReader(xml, "xl/sharedStrings.xml"));
  std::vector<std::string> out;
  bool in_t = false;
  int phonetic_depth = -1;
  int ret;
  while ((ret = xmlTextReaderRead(r.get())) == 1) {
    const int type = xmlTextReaderNodeType(r.get());
    const std::string_view name = LocalName(r.get());
    const int depth = xmlTextReaderDepth(r.get());
    if (type == XML_READER_TYPE_ELEMENT) {
      if (name == "si") {
        if (out.size() >= max) {
          return Status::ResourceExhausted("xlsx: more than " + std::to_string(max) +
                                           " shared strings");
        }
        out.emplace_back();
      } else if (name == "rPh" && !xmlTextReaderIsEmptyElement(r.get())) {
        phonetic_depth = depth;
      } else if (name == "t" && phonetic_depth < 0) {
        in_t = !xmlTextReaderIsEmptyElement(r.get());
      }
    } else if (type == XML_READER_TYPE_END_ELEMENT) {
      if (name == "t") in_t = false;
      if (name == "rPh" && depth == phonetic_depth) phonetic_depth = -1;
    } else if (in_t && !out.empty() &&
               (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
      const xmlChar* v = xmlTextReaderConstValue(r.get());
      if (v) out.back() += reinterpret_cast<const char*>(v);
    }
  }
  if (ret < 0) return Status::Corruption("xlsx: xl/sharedStrings.xml is not well-formed XML");
  return out;
}

// Number format code per cell style index (cellXfs), from xl/styles.xml.
Result<std::vector<std::string>> ReadStyles(const std::string& xml) {
  RAGDB_ASSIGN_OR_RETURN(XmlDocPtr doc, ParseXmlPart(xml, "xl/styles.xml", "xlsx"));
  std::map<int, std::string> custom;
  std::vector<std::string> formats;
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  for (const xmlNode* f = Child(Child(root, "numFmts"), "numFmt"); f; f = f->next) {
    if (NodeName(f) != "numFmt") continue;
    std::string id = Attr(f, "numFmtId");
    if (!id.empty() && id.size() < 7) custom[std::stoi(id)] = Attr(f, "formatCode");
  }
  for (const xmlNode* x = Child(Child(root, "cellXfs"), "xf"); x; x = x->next) {
    if (NodeName(x) != "xf") continue;
    std::string id = Attr(x, "numFmtId");
    int n = !id.empty() && id.size() < 7 && std::isdigit(static_cast<unsigned char>(id[0]))
                ? std::stoi(id)
                : 0;
    auto it = custom.find(n);
    formats.push_back(it != custom.end() ? it->second : BuiltinNumberFormat(n));
  }
  return formats;
}

struct Sheet {
  std::string name;
  std::string part;
};

// One worksheet's cells (row -> column -> shown text) and merged ranges.
struct SheetCells {
  std::map<int, std::map<int, std::string>> cells;
  std::vector<std::array<int, 4>> merges;  // r0, c0, r1, c1
};

struct Workbook {
  std::vector<std::string> shared;
  std::vector<std::string> formats;
  bool date1904 = false;
};

std::string ShowCell(const std::string& type, const std::string& value,
                     const std::string& inline_text, int style, const Workbook& wb) {
  if (type == "s") {
    char* end = nullptr;
    const long i = std::strtol(value.c_str(), &end, 10);
    if (end == value.c_str() || i < 0 || static_cast<size_t>(i) >= wb.shared.size()) return "";
    return wb.shared[static_cast<size_t>(i)];
  }
  if (type == "inlineStr") return inline_text;
  if (type == "b") return value == "1" ? "TRUE" : value.empty() ? "" : "FALSE";
  if (type == "str" || type == "e" || type == "d") return value;
  if (value.empty()) return "";
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (end == value.c_str()) return value;
  const std::string& code =
      style >= 0 && static_cast<size_t>(style) < wb.formats.size() ? wb.formats[style] : "";
  return FormatSpreadsheetNumber(v, code, wb.date1904);
}

Status ReadSheet(const std::string& xml, const std::string& part, const Workbook& wb,
                 size_t* cells_left, SheetCells* out) {
  RAGDB_ASSIGN_OR_RETURN(ReaderPtr r, OpenReader(xml, part));
  int row = 0, col = 0;
  std::string type, value, inline_text;
  int style = -1;
  bool in_cell = false, in_v = false, in_is_t = false;
  int ret;
  while ((ret = xmlTextReaderRead(r.get())) == 1) {
    const int node = xmlTextReaderNodeType(r.get());
    const std::string_view name = LocalName(r.get());
    if (node == XML_READER_TYPE_ELEMENT) {
      const bool empty = xmlTextReaderIsEmptyElement(r.get());
      if (name == "row") {
        std::string rr = Attribute(r.get(), "r");
        row = rr.empty() ? row + 1 : std::atoi(rr.substr(0, 8).c_str());
        if (row < 1 || row > kMaxRows) {
          return Status::Corruption("xlsx: " + part + ": row number " + rr +
                                    " is outside the sheet");
        }
        col = 0;
      } else if (name == "c") {
        std::string ref = Attribute(r.get(), "r");
        int rr = row, cc = col + 1;
        if (!ref.empty() && !ParseRef(ref, &rr, &cc)) {
          return Status::Corruption("xlsx: " + part + ": bad cell reference '" + ref + "'");
        }
        row = rr;
        col = cc;
        type = Attribute(r.get(), "t");
        std::string s = Attribute(r.get(), "s");
        style = s.empty() || s.size() > 7 ? -1 : std::atoi(s.c_str());
        value.clear();
        inline_text.clear();
        in_cell = !empty;
      } else if (in_cell && name == "v") {
        in_v = !empty;
      } else if (in_cell && name == "t") {
        in_is_t = !empty;  // <is><t> of an inline string
      } else if (name == "mergeCell") {
        std::string ref = Attribute(r.get(), "ref");
        size_t colon = ref.find(':');
        int r0, c0, r1, c1;
        if (colon != std::string::npos && ParseRef(ref.substr(0, colon), &r0, &c0) &&
            ParseRef(ref.substr(colon + 1), &r1, &c1) && r0 <= r1 && c0 <= c1) {
          out->merges.push_back({r0, c0, r1, c1});
        }
      }
    } else if (node == XML_READER_TYPE_END_ELEMENT) {
      if (name == "v") in_v = false;
      if (name == "t") in_is_t = false;
      if (name == "c" && in_cell) {
        in_cell = false;
        std::string shown = ShowCell(type, value, inline_text, style, wb);
        if (!shown.empty()) {
          if (*cells_left == 0) {
            return Status::ResourceExhausted(
                "xlsx: the workbook has more cells than the limit (max_spreadsheet_cells)");
          }
          --*cells_left;
          out->cells[row][col] = std::move(shown);
        }
      }
    } else if (node == XML_READER_TYPE_TEXT || node == XML_READER_TYPE_CDATA ||
               node == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
      const xmlChar* v = xmlTextReaderConstValue(r.get());
      if (v == nullptr) continue;
      if (in_v) value += reinterpret_cast<const char*>(v);
      if (in_is_t) inline_text += reinterpret_cast<const char*>(v);
    }
  }
  if (ret < 0) return Status::Corruption("xlsx: " + part + " is not well-formed XML");
  return Status::Ok();
}

// Copies each merged range's top-left value into its other cells.
Status FillMerges(SheetCells* s, size_t* cells_left) {
  for (const auto& [r0, c0, r1, c1] : s->merges) {
    auto row = s->cells.find(r0);
    if (row == s->cells.end()) continue;
    auto cell = row->second.find(c0);
    if (cell == row->second.end()) continue;
    const std::string v = cell->second;
    // A one-row merge holding the row's only value is a banner (a title over the table): it
    // stays one value.
    if (r0 == r1 && std::all_of(row->second.begin(), row->second.end(),
                                [&](const auto& kv) { return kv.first >= c0 && kv.first <= c1; })) {
      continue;
    }
    const uint64_t area = static_cast<uint64_t>(r1 - r0 + 1) * (c1 - c0 + 1);
    if (area > *cells_left) {
      return Status::ResourceExhausted("xlsx: a merged range of " + std::to_string(area) +
                                       " cells is over the cell limit");
    }
    *cells_left -= area;
    for (int r = r0; r <= r1; ++r) {
      for (int c = c0; c <= c1; ++c) s->cells[r][c] = v;
    }
  }
  return Status::Ok();
}

Status AddSheetTables(const SheetCells& s, const std::string& sheet, size_t max_cells,
                      DocumentBuilder* b) {
  // Runs of consecutive non-empty rows form one table.
  auto it = s.cells.begin();
  while (it != s.cells.end()) {
    auto end = it;
    int last = it->first;
    ++end;
    while (end != s.cells.end() && end->first == last + 1) last = (end++)->first;
    int c0 = kMaxCols + 1, c1 = 0;
    for (auto r = it; r != end; ++r) {
      c0 = std::min(c0, r->second.begin()->first);
      c1 = std::max(c1, r->second.rbegin()->first);
    }
    const int first_row = it->first;
    const uint64_t area = static_cast<uint64_t>(last - first_row + 1) * (c1 - c0 + 1);
    if (area > max_cells) {
      return Status::ResourceExhausted("xlsx: sheet '" + sheet + "' has a table of " +
                                       std::to_string(area) +
                                       " cells (rows x columns), over the "
                                       "limit of " +
                                       std::to_string(max_cells));
    }
    auto r = it;
    // A lone value above a wider table is its title: a heading under the sheet's, so that it
    // opens the table's chunk and names it in the heading path.
    if (std::next(r) != end && r->second.size() == 1 && c1 > c0) {
      b->AddHeading(3, r->second.begin()->second);
      ++r;
    }
    TableInfo info;
    info.sheet = sheet;
    info.first_row = r->first;
    info.first_col = c0;
    std::vector<std::vector<std::string>> rows;
    for (; r != end; ++r) {
      std::vector<std::string> cells(static_cast<size_t>(c1 - c0 + 1));
      for (const auto& [c, v] : r->second) cells[c - c0] = v;
      rows.push_back(std::move(cells));
    }
    if (rows.size() == 1 && c1 == c0) {
      b->AddParagraph(rows[0][0]);  // a lone value is text, not a table
    } else {
      b->AddTable(rows, info);
    }
    it = end;
  }
  return Status::Ok();
}

}  // namespace

Result<ParsedDocument> ParseXlsx(std::string_view bytes, const ParseOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(auto zip, ZipReader::Open(bytes, "xlsx", options.max_zip_entries,
                                                   options.max_zip_uncompressed_bytes));
  if (!zip->Has("xl/workbook.xml")) {
    return Status::InvalidArgument("xlsx: no xl/workbook.xml (not an Excel workbook)");
  }
  Workbook wb;
  RAGDB_ASSIGN_OR_RETURN(std::string wxml, zip->Read("xl/workbook.xml"));
  RAGDB_ASSIGN_OR_RETURN(XmlDocPtr wdoc, ParseXmlPart(wxml, "xl/workbook.xml", "xlsx"));
  RAGDB_ASSIGN_OR_RETURN(auto rels, ReadRelationships(*zip, "xl/workbook.xml", "xlsx"));
  const xmlNode* wroot = xmlDocGetRootElement(wdoc.get());
  const xmlNode* pr = Child(wroot, "workbookPr");
  const std::string d1904 = pr ? Attr(pr, "date1904") : "";
  wb.date1904 = d1904 == "1" || d1904 == "true";
  std::vector<Sheet> sheets;
  for (const xmlNode* s = Child(Child(wroot, "sheets"), "sheet"); s; s = s->next) {
    if (NodeName(s) != "sheet") continue;
    auto it = rels.find(RelId(s));
    if (it == rels.end() || !zip->Has(it->second)) continue;  // chart sheets, dangling ids
    sheets.push_back({Attr(s, "name"), it->second});
  }
  size_t cells_left = options.max_spreadsheet_cells;
  if (zip->Has("xl/sharedStrings.xml")) {
    RAGDB_ASSIGN_OR_RETURN(std::string xml, zip->Read("xl/sharedStrings.xml"));
    RAGDB_ASSIGN_OR_RETURN(wb.shared, ReadSharedStrings(xml, options.max_spreadsheet_cells));
  }
  if (zip->Has("xl/styles.xml")) {
    RAGDB_ASSIGN_OR_RETURN(std::string xml, zip->Read("xl/styles.xml"));
    RAGDB_ASSIGN_OR_RETURN(wb.formats, ReadStyles(xml));
  }
  DocumentBuilder builder(Format::kXlsx);
  builder.set_drop_duplicate_paragraphs(false);
  builder.set_page_count(static_cast<int>(sheets.size()));
  if (zip->Has("docProps/core.xml")) {
    auto xml = zip->Read("docProps/core.xml");
    auto core = xml.ok() ? ParseXmlPart(*xml, "docProps/core.xml", "xlsx") : xml.status();
    if (core.ok()) builder.set_title(NodeText(Child(xmlDocGetRootElement(core->get()), "title")));
  }
  for (size_t i = 0; i < sheets.size(); ++i) {
    RAGDB_ASSIGN_OR_RETURN(std::string xml, zip->Read(sheets[i].part));
    SheetCells cells;
    RAGDB_RETURN_IF_ERROR(ReadSheet(xml, sheets[i].part, wb, &cells_left, &cells));
    std::string().swap(xml);
    RAGDB_RETURN_IF_ERROR(FillMerges(&cells, &cells_left));
    builder.set_page(static_cast<int>(i + 1));
    builder.AddHeading(2, sheets[i].name);  // level 2: a sheet's name is no document title
    RAGDB_RETURN_IF_ERROR(
        AddSheetTables(cells, sheets[i].name, options.max_spreadsheet_cells, &builder));
  }
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
