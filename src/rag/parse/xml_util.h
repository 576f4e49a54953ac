// Small helpers over libxml2 trees shared by the HTML parser and the Office Open XML parsers
// (DOCX, XLSX, PPTX).
#pragma once

#include <libxml/tree.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ragdb/status.h"

namespace ragdb::rag {

struct XmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

// Local name of an element (namespace prefix excluded), lower-case as stored; "" for non-elements.
inline std::string_view NodeName(const xmlNode* n) {
  if (n == nullptr || n->type != XML_ELEMENT_NODE || n->name == nullptr) return {};
  return reinterpret_cast<const char*>(n->name);
}

// Attribute value by local name (any namespace); empty when absent.
inline std::string Attr(const xmlNode* n, const char* name) {
  for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
    if (a->name != nullptr && std::string_view(reinterpret_cast<const char*>(a->name)) == name) {
      xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1);
      std::string out = v ? reinterpret_cast<const char*>(v) : "";
      xmlFree(v);
      return out;
    }
  }
  return {};
}

// The relationship id of an OOXML element (its r:id attribute): "id" in a namespace, which
// PresentationML's <p:sldId id="256" r:id="rId2"/> needs to tell from the plain "id".
inline std::string RelId(const xmlNode* n) {
  for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
    if (a->ns != nullptr && a->name != nullptr &&
        std::string_view(reinterpret_cast<const char*>(a->name)) == "id") {
      xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1);
      std::string out = v ? reinterpret_cast<const char*>(v) : "";
      xmlFree(v);
      return out;
    }
  }
  return {};
}

// libxml2 reports parse errors through a global callback; we turn them off (errors come back as
// Status) so that a malformed file does not spam stderr.
void SilenceLibxml();

// The first child element with local name `name`, or null (`n` may be null).
const xmlNode* Child(const xmlNode* n, std::string_view name);
// The "val" attribute of that child ("" when absent): OOXML's <w:pStyle w:val="..."/> idiom.
std::string ChildVal(const xmlNode* n, std::string_view name);
// All text below `n` (xmlNodeGetContent).
std::string NodeText(const xmlNode* n);

// One XML part of an Office Open XML zip, parsed without network access. A part that declares a
// DTD is refused outright (Office never writes one, and it is the door to entity expansion
// tricks). Errors start with `format` ("xlsx: xl/workbook.xml is not well-formed XML").
Result<XmlDocPtr> ParseXmlPart(const std::string& xml, const std::string& name,
                               std::string_view format);
// Refuses a part that declares a DTD (also for parts read with the streaming reader).
Status CheckNoDtd(const std::string& xml, const std::string& name, std::string_view format);

// A part's relationships (Id -> target path inside the zip), from "<dir>/_rels/<file>.rels":
// targets are resolved against the part's folder ("../media/image1.png" from
// "ppt/slides/slide1.xml" -> "ppt/media/image1.png"); external targets are left out. Empty when
// the part has no .rels file.
class ZipReader;
Result<std::map<std::string, std::string>> ReadRelationships(const ZipReader& zip,
                                                             const std::string& part,
                                                             std::string_view format);

}  // namespace ragdb::rag
