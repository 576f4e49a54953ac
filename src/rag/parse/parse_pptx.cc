// PPTX (Office Open XML presentations): slides in presentation order, each a section whose
// heading is the slide's title (or "Slide N"), then its shapes in reading order (top to bottom,
// left to right): text boxes as paragraphs, body placeholders and bulleted paragraphs as list
// items, tables as Markdown tables (merged cells repeat their value), pictures (with their alt
// text, through embedded_picture.h), then the speaker notes ("Notes: ..."). The block's page is
// the slide number. Slide numbers, dates and footers are left out.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "rag/document_builder.h"
#include "rag/parse/embedded_picture.h"
#include "rag/parse/parsers.h"
#include "rag/parse/xml_util.h"
#include "rag/parse/zip_reader.h"

namespace ragdb::rag {
namespace {

struct Paragraph {
  std::string text;
  int level = 0;
  bool bullet = false;
};

// Text of one a:p: runs, fields and line breaks.
std::string ParagraphText(const xmlNode* p) {
  std::string out;
  for (const xmlNode* c = p->children; c; c = c->next) {
    const std::string_view n = NodeName(c);
    if (n == "r" || n == "fld") {
      out += NodeText(Child(c, "t"));
    } else if (n == "br") {
      out += '\n';
    }
  }
  return out;
}

std::vector<Paragraph> TextBody(const xmlNode* body, bool body_placeholder) {
  std::vector<Paragraph> out;
  for (const xmlNode* p = body ? body->children : nullptr; p; p = p->next) {
    if (NodeName(p) != "p") continue;
    Paragraph para;
    para.text = ParagraphText(p);
    const xmlNode* ppr = Child(p, "pPr");
    const std::string lvl = ppr ? Attr(ppr, "lvl") : "";
    para.level = lvl.size() == 1 && lvl[0] >= '0' && lvl[0] <= '8' ? lvl[0] - '0' : 0;
    const bool explicit_bullet = Child(ppr, "buChar") || Child(ppr, "buAutoNum");
    para.bullet = explicit_bullet || (body_placeholder && !Child(ppr, "buNone"));
    out.push_back(std::move(para));
  }
  return out;
}

struct Shape {
  enum Kind { kTitle, kText, kTable, kPicture } kind = kText;
  double y = 0, x = 0;
  std::vector<Paragraph> paragraphs;
  std::vector<std::vector<std::string>> table;
  std::string picture_part, alt;
};

void Position(const xmlNode* sp_pr, Shape* s) {
  const xmlNode* off = Child(Child(sp_pr, "xfrm"), "off");
  if (off == nullptr) return;
  s->x = std::atof(Attr(off, "x").c_str());
  s->y = std::atof(Attr(off, "y").c_str());
}

std::vector<std::vector<std::string>> TableRows(const xmlNode* tbl) {
  std::vector<std::vector<std::string>> rows;
  for (const xmlNode* tr = tbl->children; tr; tr = tr->next) {
    if (NodeName(tr) != "tr") continue;
    std::vector<std::string> row;
    for (const xmlNode* tc = tr->children; tc; tc = tc->next) {
      if (NodeName(tc) != "tc") continue;
      std::string cell;
      for (const Paragraph& p : TextBody(Child(tc, "txBody"), false)) {
        if (!p.text.empty()) cell += (cell.empty() ? "" : " ") + p.text;
      }
      // A merged cell's continuation repeats the value it is merged into.
      if (Attr(tc, "hMerge") == "1" && !row.empty()) cell = row.back();
      if (Attr(tc, "vMerge") == "1" && !rows.empty() && row.size() < rows.back().size()) {
        cell = rows.back()[row.size()];
      }
      row.push_back(std::move(cell));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void CollectShapes(const xmlNode* tree, const std::map<std::string, std::string>& rels,
                   std::vector<Shape>* out) {
  for (const xmlNode* n = tree ? tree->children : nullptr; n; n = n->next) {
    const std::string_view name = NodeName(n);
    if (name == "grpSp") {
      CollectShapes(n, rels, out);
    } else if (name == "sp") {
      const xmlNode* ph = Child(Child(Child(n, "nvSpPr"), "nvPr"), "ph");
      const std::string type = ph ? Attr(ph, "type") : "";
      if (type == "sldNum" || type == "dt" || type == "ftr" || type == "sldImg") continue;
      Shape s;
      s.kind = type == "title" || type == "ctrTitle" ? Shape::kTitle : Shape::kText;
      // A placeholder without a type is the body ("obj" layouts); bullets are its default.
      const bool body = ph != nullptr && (type.empty() || type == "body" || type == "obj");
      s.paragraphs = TextBody(Child(n, "txBody"), body);
      Position(Child(n, "spPr"), &s);
      out->push_back(std::move(s));
    } else if (name == "graphicFrame") {
      const xmlNode* data = Child(Child(n, "graphic"), "graphicData");
      const xmlNode* tbl = Child(data, "tbl");
      if (tbl == nullptr) continue;  // charts, SmartArt: no text here
      Shape s;
      s.kind = Shape::kTable;
      s.table = TableRows(tbl);
      const xmlNode* off = Child(Child(n, "xfrm"), "off");
      if (off) s.x = std::atof(Attr(off, "x").c_str()), s.y = std::atof(Attr(off, "y").c_str());
      out->push_back(std::move(s));
    } else if (name == "pic") {
      const xmlNode* blip = Child(Child(n, "blipFill"), "blip");
      auto it = blip ? rels.find(Attr(blip, "embed")) : rels.end();
      if (it == rels.end()) continue;
      Shape s;
      s.kind = Shape::kPicture;
      s.picture_part = it->second;
      const xmlNode* c_nv = Child(Child(n, "nvPicPr"), "cNvPr");
      s.alt = c_nv ? Attr(c_nv, "descr") : "";
      Position(Child(n, "spPr"), &s);
      out->push_back(std::move(s));
    }
  }
}

std::string Join(const std::vector<Paragraph>& ps) {
  std::string out;
  for (const Paragraph& p : ps) {
    if (!p.text.empty()) out += (out.empty() ? "" : " ") + p.text;
  }
  return out;
}

// The notes slide's body text.
Result<std::string> Notes(const ZipReader& zip, const std::string& part) {
  RAGDB_ASSIGN_OR_RETURN(std::string xml, zip.Read(part));
  RAGDB_ASSIGN_OR_RETURN(XmlDocPtr doc, ParseXmlPart(xml, part, "pptx"));
  std::vector<Shape> shapes;
  CollectShapes(Child(Child(xmlDocGetRootElement(doc.get()), "cSld"), "spTree"), {}, &shapes);
  std::string out;
  for (const Shape& s : shapes) {
    std::string t = Join(s.paragraphs);
    if (!t.empty()) out += (out.empty() ? "" : " ") + t;
  }
  return out;
}

}  // namespace

Result<ParsedDocument> ParsePptx(std::string_view bytes, const ParseOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(auto zip, ZipReader::Open(bytes, "pptx", options.max_zip_entries,
                                                   options.max_zip_uncompressed_bytes));
  const std::string pres = "ppt/presentation.xml";
  if (!zip->Has(pres)) {
    return Status::InvalidArgument("pptx: no ppt/presentation.xml (not a PowerPoint file)");
  }
  RAGDB_ASSIGN_OR_RETURN(std::string pxml, zip->Read(pres));
  RAGDB_ASSIGN_OR_RETURN(XmlDocPtr pdoc, ParseXmlPart(pxml, pres, "pptx"));
  RAGDB_ASSIGN_OR_RETURN(auto prels, ReadRelationships(*zip, pres, "pptx"));
  std::vector<std::string> slides;
  const xmlNode* list = Child(xmlDocGetRootElement(pdoc.get()), "sldIdLst");
  for (const xmlNode* s = Child(list, "sldId"); s; s = s->next) {
    if (NodeName(s) != "sldId") continue;
    auto it = prels.find(RelId(s));
    if (it != prels.end() && zip->Has(it->second)) slides.push_back(it->second);
  }
  DocumentBuilder builder(Format::kPptx);
  builder.set_page_count(static_cast<int>(slides.size()));
  if (zip->Has("docProps/core.xml")) {
    auto xml = zip->Read("docProps/core.xml");
    auto core = xml.ok() ? ParseXmlPart(*xml, "docProps/core.xml", "pptx") : xml.status();
    if (core.ok()) builder.set_title(NodeText(Child(xmlDocGetRootElement(core->get()), "title")));
  }
  for (size_t i = 0; i < slides.size(); ++i) {
    const std::string& part = slides[i];
    RAGDB_ASSIGN_OR_RETURN(std::string xml, zip->Read(part));
    RAGDB_ASSIGN_OR_RETURN(XmlDocPtr doc, ParseXmlPart(xml, part, "pptx"));
    RAGDB_ASSIGN_OR_RETURN(auto rels, ReadRelationships(*zip, part, "pptx"));
    std::vector<Shape> shapes;
    CollectShapes(Child(Child(xmlDocGetRootElement(doc.get()), "cSld"), "spTree"), rels, &shapes);
    std::stable_sort(shapes.begin(), shapes.end(), [](const Shape& a, const Shape& b) {
      if ((a.kind == Shape::kTitle) != (b.kind == Shape::kTitle)) return a.kind == Shape::kTitle;
      return a.y != b.y ? a.y < b.y : a.x < b.x;
    });
    builder.set_page(static_cast<int>(i + 1));
    std::string title;
    for (const Shape& s : shapes) {
      if (s.kind == Shape::kTitle && title.empty()) title = Join(s.paragraphs);
    }
    builder.AddHeading(1, title.empty() ? "Slide " + std::to_string(i + 1) : title);
    for (const Shape& s : shapes) {
      switch (s.kind) {
        case Shape::kTitle:
          if (Join(s.paragraphs) != title) builder.AddParagraph(Join(s.paragraphs));
          break;
        case Shape::kText:
          for (const Paragraph& p : s.paragraphs) {
            if (p.bullet) {
              builder.AddListItem(p.text, false, p.level);
            } else {
              builder.AddParagraph(p.text);
            }
          }
          break;
        case Shape::kTable:
          builder.AddTable(s.table);
          break;
        case Shape::kPicture: {
          auto bytes = zip->Read(s.picture_part);
          if (!bytes.ok()) break;
          RAGDB_RETURN_IF_ERROR(AddEmbeddedPicture(std::move(bytes).value(), s.picture_part,
                                                   s.alt.empty() ? title : s.alt, options,
                                                   &builder));
          break;
        }
      }
    }
    for (const auto& [id, target] : rels) {
      if (target.find("notesSlides/") == std::string::npos || !zip->Has(target)) continue;
      RAGDB_ASSIGN_OR_RETURN(std::string notes, Notes(*zip, target));
      if (!notes.empty()) builder.AddParagraph("Notes: " + notes);
    }
  }
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
