#include "rag/parse/xml_util.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <mutex>

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

}  // namespace ragdb::rag
