// The filter expression language: a compact text form of ragdb::Filter, parsed by
// Filter::Parse (implemented in filter_parser.cc with a hand-written lexer and a recursive-descent
// parser).
//
//   cat == "news" and (price < 9.5 or tags in ["a", "b"]) and not exists(deleted)
//
// Grammar (keywords are case-insensitive; whitespace is space, tab, CR, LF):
//   expr       := or_expr EOF                     (an empty expression is the empty filter)
//   or_expr    := and_expr ('or' and_expr)*
//   and_expr   := not_expr ('and' not_expr)*
//   not_expr   := 'not' not_expr | primary        precedence: not > and > or
//   primary    := '(' or_expr ')'
//               | 'exists' '(' path ')'
//               | path cmp_op value
//               | path 'in' list
//               | path 'not' 'in' list
//   cmp_op     := '==' | '!=' | '<' | '<=' | '>' | '>='
//   list       := '[' (value (',' value)* ','?)? ']'
//   value      := string | number | 'true' | 'false' | 'null'
//   path       := segment ('.' segment)*
//   segment    := name ('[' ']' | '[' digits ']')?
//   name       := ident | string | `backticked`   (a bare keyword cannot start a path; after a
//                                                  '.' any ident or all-digit word is a name)
//   ident      := [A-Za-z_\x80-\xff][A-Za-z0-9_\-\x80-\xff]*
//   number     := '-'? digits ('.' digits)? ([eE] [+-]? digits)?   (integers beyond int64 become
//                                                  uint64 up to 2^64-1; other overflow is an error)
//   string     := "..." | '...'   escapes: \" \' \\ \/ \n \t \r \b \f \uXXXX (surrogate pairs)
//
// Meaning (the tree built is the Qdrant-shaped ragdb::Filter):
//   p == v          kMatch {v}            (v may be a string, integer, float or bool)
//   p == null       kIsNull
//   p != v          must_not [kMatch {v}] (so records without p pass, as in Qdrant)
//   p != null       must_not [kIsNull]
//   p < v ...       kRange {lt: v} (likewise <=, >, >=); v must be a number
//   p in [..]       kMatchAny;  p not in [..]  must_not [kMatchAny]
//   exists(p)       must_not [kIsEmpty p]  (present, not null, not [])
//   id == 7, id in [1, "uuid"]   kHasId on the record id (also id != .., id not in [..]); ids are
//                   non-negative integers or non-empty strings. Only ==, !=, in, not in apply to
//                   `id`. Write `id` (backticks) or "id" for a payload field named id.
//   a and b         one Filter with both in `must` (chains flatten: a and b and c -> 3 musts)
//   a or b          `should` [a, b]; inside an `and`, the first `or` group becomes the filter's
//                   `should`, later ones become nested filter conditions in `must`
//   not a           must_not [a]; not (a or b) -> must_not [a, b]; not not a -> a
// A sub-expression that is not a single condition becomes a kNested condition.
//
// Errors are InvalidArgument "column N: <what was expected>", N being the 1-based byte column
// (e.g. "column 8: expected a value after '=='", "column 3: unknown operator '=' (use '==')").
// Nesting of parentheses / not is limited to 64 levels.
#pragma once

#include <string_view>

#include "ragdb/filter.h"

namespace ragdb::internal {

// Same as Filter::Parse.
Result<Filter> ParseFilterExpression(std::string_view expression);

}  // namespace ragdb::internal
