// DOCX: the zip is opened with the guards of zip_reader.h, then word/document.xml is walked.
//
// Headings come from the paragraph style: its name in word/styles.xml ("heading 1".."heading 9",
// "Title"), so localized style ids still work, else the id itself ("Heading2"), else the
// paragraph's outline level. List items are paragraphs with w:numPr; ordered vs bullet comes
// from word/numbering.xml. Tables become Markdown tables (one-column tables are layout and are
// read as paragraphs). Deleted revisions and field codes are skipped. An XML part that declares
// a DTD is refused outright: Word never writes one, and it is the door to entity tricks.
// Pictures (w:drawing, legacy w:pict) are read from word/media through the relationships, with
// their alt text, and a caption paragraph right after them ("Caption" style or "Figure ...")
// becomes their caption (embedded_picture.h: OCR and image search).
#include <libxml/parser.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "rag/document_builder.h"
#include "rag/parse/embedded_picture.h"
#include "rag/parse/parsers.h"
#include "rag/parse/xml_util.h"
#include "rag/parse/zip_reader.h"
#include "rag/text_clean.h"

namespace ragdb::rag {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int ToInt(const std::string& s, int fallback) {
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return fallback;
  return std::stoi(s.substr(0, 6));
}

// Heading level (1..9) of a style name or id; 0 when not a heading. Title counts as level 1.
int HeadingLevel(std::string name) {
  name = Lower(name);
  name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
  if (name == "title") return 1;
  if (name.size() == 8 && name.rfind("heading", 0) == 0 && name[7] >= '1' && name[7] <= '9') {
    return name[7] - '0';
  }
  return 0;
}

bool LooksLikeCaption(const std::string& text) {
  for (std::string_view p : {"Figure", "Fig.", "FIGURE", "Chart", "Image", "Photo", "图", "圖"}) {
    if (std::string_view(text).starts_with(p)) return true;
  }
  return false;
}

// The first descendant element with local name `name`.
const xmlNode* Find(const xmlNode* n, std::string_view name) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (NodeName(c) == name) return c;
    if (c->type == XML_ELEMENT_NODE) {
      if (const xmlNode* f = Find(c, name)) return f;
    }
  }
  return nullptr;
}

class DocxWalker {
 public:
  DocxWalker(DocumentBuilder* b, const ZipReader* zip, std::map<std::string, std::string> rels,
             const ParseOptions* options)
      : b_(b), zip_(zip), rels_(std::move(rels)), options_(options) {}

  // Adds the pictures still waiting for a caption; the first error of any picture's OCR.
  Status Finish() {
    FlushPictures("");
    return status_;
  }

  void LoadStyles(const xmlDoc* styles) {
    for (const xmlNode* s = Child(xmlDocGetRootElement(styles), "style"); s; s = s->next) {
      if (NodeName(s) != "style") continue;
      std::string id = Attr(s, "styleId");
      std::string name = ChildVal(s, "name");
      if (!id.empty()) style_names_[id] = name;
    }
  }

  void LoadNumbering(const xmlDoc* numbering) {
    std::map<std::string, std::map<int, bool>> abstract_ordered;
    std::map<std::string, std::string> num_to_abstract;
    for (const xmlNode* n = xmlDocGetRootElement(numbering)->children; n; n = n->next) {
      if (NodeName(n) == "abstractNum") {
        std::string id = Attr(n, "abstractNumId");
        for (const xmlNode* lvl = n->children; lvl; lvl = lvl->next) {
          if (NodeName(lvl) != "lvl") continue;
          std::string fmt = ChildVal(lvl, "numFmt");
          abstract_ordered[id][ToInt(Attr(lvl, "ilvl"), 0)] = fmt != "bullet" && fmt != "none";
        }
      } else if (NodeName(n) == "num") {
        num_to_abstract[Attr(n, "numId")] = ChildVal(n, "abstractNumId");
      }
    }
    for (const auto& [num, abs] : num_to_abstract) ordered_[num] = abstract_ordered[abs];
  }

  void Body(const xmlNode* body) {
    for (const xmlNode* c = body ? body->children : nullptr; c; c = c->next) {
      std::string_view name = NodeName(c);
      if (name == "p") {
        Paragraph(c);
      } else if (name == "tbl") {
        Table(c);
      } else if (name == "sdt" || name == "sdtContent" || name == "customXml") {
        Body(name == "sdt" ? Child(c, "sdtContent") : c);
      }
    }
  }

 private:
  struct Picture {
    std::string part;  // word/media/imageN.png
    std::string alt;
  };

  void CollectPicture(const xmlNode* n) {
    const xmlNode* blip = Find(n, "blip");
    std::string id = blip ? Attr(blip, "embed") : "";
    if (id.empty()) {
      const xmlNode* vml = Find(n, "imagedata");
      if (vml) id = Attr(vml, "id");
    }
    auto it = rels_.find(id);
    if (it == rels_.end()) return;
    Picture p{it->second, ""};
    if (const xmlNode* doc_pr = Find(n, "docPr")) {
      p.alt = Attr(doc_pr, "descr");
      if (p.alt.empty()) p.alt = Attr(doc_pr, "title");
    }
    found_.push_back(std::move(p));
  }

  void FlushPictures(const std::string& caption) {
    for (Picture& p : pending_) {
      auto bytes = zip_->Read(p.part);
      if (!bytes.ok()) continue;  // a dangling reference: nothing to show
      std::string text = p.alt;
      if (!caption.empty()) text = text.empty() ? caption : text + " — " + caption;
      Status st = AddEmbeddedPicture(std::move(bytes).value(), p.part, text, *options_, b_);
      if (status_.ok()) status_ = st;
    }
    pending_.clear();
  }

  void AppendRunText(const xmlNode* n, std::string* out) {
    for (const xmlNode* c = n->children; c; c = c->next) {
      std::string_view name = NodeName(c);
      if (name == "t") {
        xmlChar* v = xmlNodeGetContent(c);
        if (v) out->append(reinterpret_cast<const char*>(v));
        xmlFree(v);
      } else if (name == "tab") {
        out->push_back('\t');
      } else if (name == "br" || name == "cr") {
        out->push_back('\n');
      } else if (name == "noBreakHyphen") {
        out->push_back('-');
      } else if (name == "drawing" || name == "pict") {
        CollectPicture(c);
      } else if (name == "pPr" || name == "rPr" || name == "delText" || name == "instrText" ||
                 name == "del" || name == "tbl") {
        continue;
      } else if (c->type == XML_ELEMENT_NODE) {
        AppendRunText(c, out);  // r, hyperlink, ins, smartTag, sdt, fldSimple...
      }
    }
  }

  void Paragraph(const xmlNode* p) {
    std::string text;
    AppendRunText(p, &text);
    const xmlNode* ppr = Child(p, "pPr");
    std::string style = ChildVal(ppr, "pStyle");
    // Pictures of the previous paragraph take this one as caption when it reads like one.
    if (!pending_.empty()) {
      auto named = style_names_.find(style);
      const bool caption = Lower(style) == "caption" ||
                           (named != style_names_.end() && Lower(named->second) == "caption") ||
                           LooksLikeCaption(text);
      FlushPictures(caption ? text : "");
    }
    std::vector<Picture> here = std::move(found_);
    found_.clear();
    pending_.insert(pending_.end(), here.begin(), here.end());
    int level = 0;
    if (!style.empty()) {
      auto it = style_names_.find(style);
      if (it != style_names_.end()) level = HeadingLevel(it->second);
      if (level == 0) level = HeadingLevel(style);
      if (Lower(style) == "title" || (it != style_names_.end() && Lower(it->second) == "title")) {
        if (!b_->has_title()) b_->set_title(text);
      }
    }
    std::string outline = ChildVal(ppr, "outlineLvl");
    if (level == 0 && !outline.empty()) {
      int l = ToInt(outline, 9) + 1;
      if (l <= 9) level = l;
    }
    if (level > 0) {
      b_->AddHeading(level, text);
      return;
    }
    const xmlNode* numpr = Child(ppr, "numPr");
    std::string num_id = ChildVal(numpr, "numId");
    if (numpr != nullptr && num_id != "0") {
      int ilvl = std::clamp(ToInt(ChildVal(numpr, "ilvl"), 0), 0, 8);
      bool ordered = false;
      auto it = ordered_.find(num_id);
      if (it != ordered_.end() && it->second.count(ilvl)) ordered = it->second.at(ilvl);
      auto& counters = counters_[num_id];
      counters.resize(9, 0);
      int number = ++counters[ilvl];
      for (int k = ilvl + 1; k < 9; ++k) counters[k] = 0;  // a deeper list restarts
      b_->AddListItem(text, ordered, ilvl, number);
      return;
    }
    b_->AddParagraph(text);
  }

  void Table(const xmlNode* tbl) {
    std::vector<std::vector<std::string>> rows;
    size_t cols = 0;
    for (const xmlNode* tr = tbl->children; tr; tr = tr->next) {
      if (NodeName(tr) != "tr") continue;
      std::vector<std::string> row;
      for (const xmlNode* tc = tr->children; tc; tc = tc->next) {
        if (NodeName(tc) != "tc") continue;
        std::string cell;
        CellText(tc, &cell);
        row.push_back(std::move(cell));
      }
      cols = std::max(cols, row.size());
      rows.push_back(std::move(row));
    }
    if (cols >= 2) {
      b_->AddTable(rows);
      return;
    }
    for (const xmlNode* tr = tbl->children; tr; tr = tr->next) {
      for (const xmlNode* tc = tr->children; tc; tc = tc->next) {
        if (NodeName(tc) == "tc") Body(tc);
      }
    }
  }

  // All paragraphs of a cell (nested tables included) joined by spaces.
  void CellText(const xmlNode* n, std::string* out) {
    for (const xmlNode* c = n->children; c; c = c->next) {
      std::string_view name = NodeName(c);
      if (name == "p") {
        if (!out->empty()) out->push_back(' ');
        AppendRunText(c, out);
      } else if (c->type == XML_ELEMENT_NODE && name != "tcPr") {
        CellText(c, out);
      }
    }
  }

  DocumentBuilder* b_;
  const ZipReader* zip_;
  std::map<std::string, std::string> rels_;  // of word/document.xml
  const ParseOptions* options_;
  std::vector<Picture> found_;    // in the paragraph being read
  std::vector<Picture> pending_;  // waiting to see whether the next paragraph is a caption
  Status status_;
  std::map<std::string, std::string> style_names_;
  std::map<std::string, std::map<int, bool>> ordered_;
  std::map<std::string, std::vector<int>> counters_;
};

}  // namespace

Result<ParsedDocument> ParseDocx(std::string_view bytes, const ParseOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(auto zip, ZipReader::Open(bytes, "docx", options.max_zip_entries,
                                                   options.max_zip_uncompressed_bytes));
  if (!zip->Has("word/document.xml")) {
    return Status::InvalidArgument("docx: no word/document.xml (not a Word document)");
  }
  DocumentBuilder builder(Format::kDocx);
  RAGDB_ASSIGN_OR_RETURN(auto rels, ReadRelationships(*zip, "word/document.xml", "docx"));
  DocxWalker walker(&builder, zip.get(), std::move(rels), &options);
  if (zip->Has("word/styles.xml")) {
    RAGDB_ASSIGN_OR_RETURN(std::string xml, zip->Read("word/styles.xml"));
    RAGDB_ASSIGN_OR_RETURN(XmlDocPtr styles, ParseXmlPart(xml, "word/styles.xml", "docx"));
    walker.LoadStyles(styles.get());
  }
  if (zip->Has("word/numbering.xml")) {
    RAGDB_ASSIGN_OR_RETURN(std::string xml, zip->Read("word/numbering.xml"));
    RAGDB_ASSIGN_OR_RETURN(XmlDocPtr numbering, ParseXmlPart(xml, "word/numbering.xml", "docx"));
    walker.LoadNumbering(numbering.get());
  }
  if (zip->Has("docProps/core.xml")) {
    auto xml = zip->Read("docProps/core.xml");
    if (xml.ok()) {
      auto core = ParseXmlPart(*xml, "docProps/core.xml", "docx");
      if (core.ok()) {
        const xmlNode* title = Child(xmlDocGetRootElement(core->get()), "title");
        if (title) {
          xmlChar* v = xmlNodeGetContent(title);
          if (v) builder.set_title(reinterpret_cast<const char*>(v));
          xmlFree(v);
        }
      }
    }
  }
  RAGDB_ASSIGN_OR_RETURN(std::string xml, zip->Read("word/document.xml"));
  RAGDB_ASSIGN_OR_RETURN(XmlDocPtr doc, ParseXmlPart(xml, "word/document.xml", "docx"));
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  walker.Body(Child(root, "body"));
  RAGDB_RETURN_IF_ERROR(walker.Finish());
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
