#include "rag/parse/xml_util.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <mutex>
#include <vector>

#include "rag/parse/zip_reader.h"

namespace ragdb::rag {

namespace {
void IgnoreError(void*, const char*, ...) {}
void IgnoreStructured(void*, xmlErrorPtr) {}
}  // namespace

void SilenceLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  // Per-thread in libxml2, so set on every call (cheap).
  xmlSetGenericErrorFunc(nullptr, IgnoreError);
  xmlSetStructuredErrorFunc(nullptr, IgnoreStructured);
}

const xmlNode* Child(const xmlNode* n, std::string_view name) {
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next) {
    if (NodeName(c) == name) return c;
  }
  return nullptr;
}

std::string ChildVal(const xmlNode* n, std::string_view name) {
  const xmlNode* c = Child(n, name);
  return c ? Attr(c, "val") : "";
}

std::string NodeText(const xmlNode* n) {
  if (n == nullptr) return {};
  xmlChar* v = xmlNodeGetContent(n);
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

Status CheckNoDtd(const std::string& xml, const std::string& name, std::string_view format) {
  if (xml.find("<!DOCTYPE") != std::string::npos || xml.find("<!ENTITY") != std::string::npos) {
    return Status::InvalidArgument(std::string(format) + ": " + name + " declares a DTD, refused");
  }
  return Status::Ok();
}

Result<XmlDocPtr> ParseXmlPart(const std::string& xml, const std::string& name,
                               std::string_view format) {
  RAGDB_RETURN_IF_ERROR(CheckNoDtd(xml, name, format));
  if (xml.size() > static_cast<size_t>(INT32_MAX)) {
    return Status::ResourceExhausted(std::string(format) + ": " + name + " is over 2 GiB");
  }
  SilenceLibxml();
  XmlDocPtr doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), name.c_str(), nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT));
  if (!doc || xmlDocGetRootElement(doc.get()) == nullptr) {
    return Status::Corruption(std::string(format) + ": " + name + " is not well-formed XML");
  }
  return doc;
}

namespace {

// "a/b/../c/./d" -> "a/c/d".
std::string NormalizePath(const std::string& path) {
  std::vector<std::string> parts;
  size_t b = 0;
  while (b <= path.size()) {
    size_t e = path.find('/', b);
    if (e == std::string::npos) e = path.size();
    std::string part = path.substr(b, e - b);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    b = e + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> ReadRelationships(const ZipReader& zip,
                                                             const std::string& part,
                                                             std::string_view format) {
  std::map<std::string, std::string> rels;
  const size_t slash = part.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : part.substr(0, slash + 1);
  const std::string file = slash == std::string::npos ? part : part.substr(slash + 1);
  const std::string rels_name = dir + "_rels/" + file + ".rels";
  if (!zip.Has(rels_name)) return rels;
  RAGDB_ASSIGN_OR_RETURN(std::string xml, zip.Read(rels_name));
  RAGDB_ASSIGN_OR_RETURN(XmlDocPtr doc, ParseXmlPart(xml, rels_name, format));
  for (const xmlNode* r = xmlDocGetRootElement(doc.get())->children; r; r = r->next) {
    if (NodeName(r) != "Relationship" || Attr(r, "TargetMode") == "External") continue;
    std::string target = Attr(r, "Target");
    target = !target.empty() && target[0] == '/' ? target.substr(1) : dir + target;
    rels[Attr(r, "Id")] = NormalizePath(target);
  }
  return rels;
}

}  // namespace ragdb::rag
