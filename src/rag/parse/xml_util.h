// Small helpers over libxml2 trees shared by the HTML and DOCX parsers.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

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

// libxml2 reports parse errors through a global callback; we turn them off (errors come back as
// Status) so that a malformed file does not spam stderr.
void SilenceLibxml();

}  // namespace ragdb::rag
