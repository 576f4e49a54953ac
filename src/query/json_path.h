// Payload paths (Condition::key): how a dotted path selects values inside a record's payload.
//
// Syntax:
//   path    := segment ('.' segment)*
//   segment := (name | quoted) ('[]' | '[' digits ']')?
//   name    := one or more bytes other than  . [ ] "
//   quoted  := '"' (any byte but '"' and '\' | '\"' | '\\')* '"'     e.g.  meta."a.b".c
//
// Resolution (Qdrant semantics): each segment reads a key of every current object. When a current
// value is an array, the key is read from each of its object elements, so "items.price" and
// "items[].price" both reach every item's price. "a[N]" keeps only element N of the array a.
// The result ("raw values") may hold several values; a filter's leaf values are the raw values
// with arrays replaced by their elements (one level).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb::internal {

// OK when `path` follows the syntax above; otherwise the message says what is wrong where.
Status ValidatePath(std::string_view path);

// One segment name, quoted when it could not be read back as a bare name.
std::string PathSegmentText(std::string_view name);

// Sets *out to the raw values `path` reaches in `root` (empty for an invalid path). The pointers
// point into `root`.
void ResolvePath(const Json& root, std::string_view path, std::vector<const Json*>* out);

// Calls fn(const Json&) for every leaf value of `raw` (arrays contribute their elements).
template <typename Fn>
void ForEachLeaf(const std::vector<const Json*>& raw, Fn&& fn) {
  for (const Json* v : raw) {
    if (v->is_array()) {
      for (const Json& e : *v) fn(e);
    } else {
      fn(*v);
    }
  }
}

}  // namespace ragdb::internal
