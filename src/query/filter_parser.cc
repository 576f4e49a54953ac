#include "query/filter_parser.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "query/datetime.h"
#include "query/filter_lexer.h"
#include "query/geo.h"
#include "query/json_path.h"

namespace ragdb {
namespace internal {
namespace {

constexpr int kMaxDepth = 64;

// The parse tree before compaction into a Filter.
struct Expr {
  enum class Kind { kLeaf, kAnd, kOr, kNot };
  Kind kind = Kind::kLeaf;
  Condition leaf;
  std::vector<std::unique_ptr<Expr>> kids;
};
using ExprPtr = std::unique_ptr<Expr>;

ExprPtr Leaf(Condition c) {
  auto e = std::make_unique<Expr>();
  e->leaf = std::move(c);
  return e;
}

// not not x -> x
ExprPtr Not(ExprPtr x) {
  if (x->kind == Expr::Kind::kNot) return std::move(x->kids[0]);
  auto e = std::make_unique<Expr>();
  e->kind = Expr::Kind::kNot;
  e->kids.push_back(std::move(x));
  return e;
}

Filter ToFilter(Expr& e);
Condition ToCondition(Expr& e);

// Function-style conditions: a name followed by '('. They are not reserved words: `text == 1`
// still reads a field called text.
bool IsFunction(const Token& t, const Token& next) {
  if (t.kind != TokenKind::kIdent || next.kind != TokenKind::kLParen) return false;
  for (const char* f : {"exists", "is_empty", "is_null", "geo_radius", "geo_box", "geo_polygon",
                        "text", "text_any", "phrase", "count", "nested", "min_should"}) {
    if (IsKeyword(t, f)) return true;
  }
  return false;
}

bool IsReserved(const Token& t) {
  for (const char* kw : {"and", "or", "not", "in", "true", "false", "null"}) {
    if (IsKeyword(t, kw)) return true;
  }
  return false;
}

std::string Describe(const Token& t) {
  if (t.kind == TokenKind::kEnd) return "end of input";
  return "'" + std::string(t.text) + "'";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Result<ExprPtr> ParseAll() {
    RAGDB_ASSIGN_OR_RETURN(ExprPtr e, ParseOr());
    const Token& t = Peek();
    if (t.kind == TokenKind::kRParen) return Error(t, "unbalanced ')'");
    if (t.kind != TokenKind::kEnd) {
      return Error(t, "expected 'and', 'or' or end of input, got " + Describe(t));
    }
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  static Status Error(const Token& t, const std::string& msg) {
    return Status::InvalidArgument("column " + std::to_string(t.column) + ": " + msg);
  }

  // Builds a flattened n-ary node from `first` and the rest parsed by `next` after `keyword`.
  template <typename ParseNextFn>
  Result<ExprPtr> ParseChain(Expr::Kind kind, const char* keyword, ParseNextFn next) {
    RAGDB_ASSIGN_OR_RETURN(ExprPtr first, next());
    if (!IsKeyword(Peek(), keyword)) return first;
    auto node = std::make_unique<Expr>();
    node->kind = kind;
    auto add = [&](ExprPtr e) {
      if (e->kind == kind) {
        for (auto& k : e->kids) node->kids.push_back(std::move(k));
      } else {
        node->kids.push_back(std::move(e));
      }
    };
    add(std::move(first));
    while (IsKeyword(Peek(), keyword)) {
      Next();
      RAGDB_ASSIGN_OR_RETURN(ExprPtr e, next());
      add(std::move(e));
    }
    return node;
  }

  Result<ExprPtr> ParseOr() {
    return ParseChain(Expr::Kind::kOr, "or", [this] { return ParseAnd(); });
  }
  Result<ExprPtr> ParseAnd() {
    return ParseChain(Expr::Kind::kAnd, "and", [this] { return ParseNot(); });
  }

  Result<ExprPtr> ParseNot() {
    if (IsKeyword(Peek(), "not")) {
      const Token& t = Next();
      if (++depth_ > kMaxDepth) return Error(t, "expression nested too deeply");
      RAGDB_ASSIGN_OR_RETURN(ExprPtr e, ParseNot());
      --depth_;
      return Not(std::move(e));
    }
    return ParsePrimary();
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& t = Peek();
    if (t.kind == TokenKind::kLParen) {
      const Token& open = Next();
      if (++depth_ > kMaxDepth) return Error(open, "expression nested too deeply");
      RAGDB_ASSIGN_OR_RETURN(ExprPtr e, ParseOr());
      --depth_;
      const Token& close = Peek();
      if (close.kind != TokenKind::kRParen) {
        return Error(close, "expected ')' to close '(' at column " + std::to_string(open.column) +
                                ", got " + Describe(close));
      }
      Next();
      return e;
    }
    if (IsFunction(t, Peek(1))) return ParseFunction();
    return ParseComparison();
  }

  // Expects `kind` next; the message names what the function call needed there.
  Status Expect(TokenKind kind, const char* what, const Token& open) {
    if (Peek().kind != kind) {
      return Error(Peek(), std::string("expected ") + what + " in the call opened at column " +
                               std::to_string(open.column) + ", got " + Describe(Peek()));
    }
    Next();
    return Status::Ok();
  }

  Result<double> ParseNumber(const char* what) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kNumber) {
      return Error(t, std::string("expected ") + what + ", got " + Describe(t));
    }
    Next();
    return *NumberAsDoubleOf(t.number);
  }

  Result<std::string> ParseString(const char* what) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kString) {
      return Error(t, std::string("expected ") + what + " (a quoted string), got " + Describe(t));
    }
    Next();
    return t.str;
  }

  // [[lon, lat], [lon, lat], ...]
  Result<std::vector<GeoPoint>> ParseRing() {
    const Token& open = Peek();
    RAGDB_RETURN_IF_ERROR(
        Expect(TokenKind::kLBracket, "'[' opening a ring of [lon, lat] points", open));
    std::vector<GeoPoint> ring;
    while (Peek().kind != TokenKind::kRBracket) {
      const Token& p = Peek();
      RAGDB_RETURN_IF_ERROR(Expect(TokenKind::kLBracket, "'[' opening a [lon, lat] point", p));
      GeoPoint g;
      RAGDB_ASSIGN_OR_RETURN(g.lon, ParseNumber("a longitude"));
      RAGDB_RETURN_IF_ERROR(Expect(TokenKind::kComma, "','", p));
      RAGDB_ASSIGN_OR_RETURN(g.lat, ParseNumber("a latitude"));
      RAGDB_RETURN_IF_ERROR(Expect(TokenKind::kRBracket, "']' closing the point", p));
      ring.push_back(g);
      if (Peek().kind == TokenKind::kComma) {
        Next();
      } else if (Peek().kind != TokenKind::kRBracket) {
        return Error(Peek(), "expected ',' or ']' in the ring opened at column " +
                                 std::to_string(open.column) + ", got " + Describe(Peek()));
      }
    }
    Next();
    return ring;
  }

  // name '(' ... ')' : see filter_parser.h for each function.
  Result<ExprPtr> ParseFunction() {
    const Token& name = Next();
    const Token& open = Next();  // '('
    if (++depth_ > kMaxDepth) return Error(open, "expression nested too deeply");
    auto close = [&]() -> Status {
      --depth_;
      if (Peek().kind != TokenKind::kRParen) {
        return Error(Peek(), "expected ')' to close '" + std::string(name.text) + "(' at column " +
                                 std::to_string(open.column) + ", got " + Describe(Peek()));
      }
      Next();
      return Status::Ok();
    };
    auto comma = [&]() { return Expect(TokenKind::kComma, "','", open); };
    Condition c;
    if (IsKeyword(name, "exists") || IsKeyword(name, "is_empty") || IsKeyword(name, "is_null")) {
      c.kind = IsKeyword(name, "is_null") ? Condition::Kind::kIsNull : Condition::Kind::kIsEmpty;
      RAGDB_ASSIGN_OR_RETURN(c.key, ParsePath(nullptr));
      RAGDB_RETURN_IF_ERROR(close());
      ExprPtr leaf = Leaf(std::move(c));
      return IsKeyword(name, "exists") ? Not(std::move(leaf)) : std::move(leaf);
    }
    if (IsKeyword(name, "min_should")) {
      const Token& n = Peek();
      RAGDB_ASSIGN_OR_RETURN(double count, ParseNumber("the minimum count"));
      if (count < 0 || count != static_cast<double>(static_cast<size_t>(count))) {
        return Error(n, "the minimum count must be a non-negative integer");
      }
      Filter f;
      f.min_should_count = static_cast<size_t>(count);
      while (Peek().kind == TokenKind::kComma) {
        Next();
        RAGDB_ASSIGN_OR_RETURN(ExprPtr e, ParseOr());
        f.min_should.push_back(ToCondition(*e));
      }
      if (f.min_should.empty()) return Error(Peek(), "min_should needs at least one condition");
      RAGDB_RETURN_IF_ERROR(close());
      c.kind = Condition::Kind::kNested;
      c.filter = std::make_shared<const Filter>(std::move(f));
      return Leaf(std::move(c));
    }
    RAGDB_ASSIGN_OR_RETURN(c.key, ParsePath(nullptr));
    if (IsKeyword(name, "count")) {
      RAGDB_RETURN_IF_ERROR(close());
      c.kind = Condition::Kind::kValuesCount;
      const Token& op = Peek();
      if (op.kind != TokenKind::kEq && op.kind != TokenKind::kNe && op.kind != TokenKind::kLt &&
          op.kind != TokenKind::kLe && op.kind != TokenKind::kGt && op.kind != TokenKind::kGe) {
        return Error(op, "expected a comparison (==, !=, <, <=, >, >=) after count(...), got " +
                             Describe(op));
      }
      Next();
      const Token& num = Peek();
      RAGDB_ASSIGN_OR_RETURN(double n, ParseNumber("a count"));
      if (n < 0 || n != static_cast<double>(static_cast<uint64_t>(n))) {
        return Error(num, "a count is a non-negative integer");
      }
      switch (op.kind) {
        case TokenKind::kLt:
          c.range.lt = n;
          break;
        case TokenKind::kLe:
          c.range.lte = n;
          break;
        case TokenKind::kGt:
          c.range.gt = n;
          break;
        case TokenKind::kGe:
          c.range.gte = n;
          break;
        default:
          c.range.gte = c.range.lte = n;
          break;
      }
      ExprPtr leaf = Leaf(std::move(c));
      return op.kind == TokenKind::kNe ? Not(std::move(leaf)) : std::move(leaf);
    }
    RAGDB_RETURN_IF_ERROR(comma());
    if (IsKeyword(name, "text") || IsKeyword(name, "text_any") || IsKeyword(name, "phrase")) {
      c.kind = IsKeyword(name, "text")       ? Condition::Kind::kMatchText
               : IsKeyword(name, "text_any") ? Condition::Kind::kMatchTextAny
                                             : Condition::Kind::kMatchPhrase;
      RAGDB_ASSIGN_OR_RETURN(c.text, ParseString("the words to find"));
    } else if (IsKeyword(name, "nested")) {
      c.kind = Condition::Kind::kNestedArray;
      RAGDB_ASSIGN_OR_RETURN(ExprPtr e, ParseOr());
      Filter f = ToFilter(*e);
      for (const auto* list : {&f.must, &f.should, &f.must_not}) {
        for (const Condition& k : *list) {
          if (k.kind == Condition::Kind::kHasId) {
            return Error(open, "'id' conditions cannot be used inside nested(...)");
          }
        }
      }
      c.filter = std::make_shared<const Filter>(std::move(f));
    } else {
      const bool radius = IsKeyword(name, "geo_radius"), box = IsKeyword(name, "geo_box");
      c.kind = radius ? Condition::Kind::kGeoRadius
               : box  ? Condition::Kind::kGeoBoundingBox
                      : Condition::Kind::kGeoPolygon;
      if (radius) {
        RAGDB_ASSIGN_OR_RETURN(c.geo.center.lon, ParseNumber("the center's longitude"));
        RAGDB_RETURN_IF_ERROR(comma());
        RAGDB_ASSIGN_OR_RETURN(c.geo.center.lat, ParseNumber("the center's latitude"));
        RAGDB_RETURN_IF_ERROR(comma());
        RAGDB_ASSIGN_OR_RETURN(c.geo.radius, ParseNumber("the radius in meters"));
      } else if (box) {
        RAGDB_ASSIGN_OR_RETURN(c.geo.top_left.lon, ParseNumber("the left longitude"));
        RAGDB_RETURN_IF_ERROR(comma());
        RAGDB_ASSIGN_OR_RETURN(c.geo.top_left.lat, ParseNumber("the top latitude"));
        RAGDB_RETURN_IF_ERROR(comma());
        RAGDB_ASSIGN_OR_RETURN(c.geo.bottom_right.lon, ParseNumber("the right longitude"));
        RAGDB_RETURN_IF_ERROR(comma());
        RAGDB_ASSIGN_OR_RETURN(c.geo.bottom_right.lat, ParseNumber("the bottom latitude"));
      } else {
        RAGDB_ASSIGN_OR_RETURN(c.geo.exterior, ParseRing());
        while (Peek().kind == TokenKind::kComma) {
          Next();
          RAGDB_ASSIGN_OR_RETURN(auto hole, ParseRing());
          c.geo.interiors.push_back(std::move(hole));
        }
      }
      Status valid = ValidateGeoShape(c.kind, c.geo);
      if (!valid.ok()) return Error(name, std::string(name.text) + ": " + valid.message());
    }
    RAGDB_RETURN_IF_ERROR(close());
    return Leaf(std::move(c));
  }

  // Reads a path; *is_id is set when it is the bare word `id` (the record id).
  Result<std::string> ParsePath(bool* is_id) {
    std::string path;
    bool first = true;
    while (true) {
      const Token& t = Peek();
      std::string name;
      if (t.kind == TokenKind::kIdent && !(first && IsReserved(t))) {
        name = std::string(t.text);
      } else if (t.kind == TokenKind::kString || t.kind == TokenKind::kBacktick) {
        name = t.str;
        if (name.empty()) return Error(t, "empty field name");
      } else if (!first && t.kind == TokenKind::kNumber &&
                 t.text.find_first_not_of("0123456789") == std::string_view::npos) {
        name = std::string(t.text);
      } else {
        return Error(t, std::string(first ? "expected a field path" : "expected a field name") +
                            ", got " + Describe(t));
      }
      if (is_id != nullptr) {
        *is_id = first && t.kind == TokenKind::kIdent && t.text == "id" &&
                 Peek(1).kind != TokenKind::kDot && Peek(1).kind != TokenKind::kLBracket;
      }
      Next();
      if (!first) path.push_back('.');
      path += PathSegmentText(name);
      if (Peek().kind == TokenKind::kLBracket) {
        const Token& open = Next();
        if (Peek().kind == TokenKind::kRBracket) {
          Next();
          path += "[]";
        } else if (Peek().kind == TokenKind::kNumber && Peek().number.is_number_unsigned()) {
          path += "[" + std::string(Next().text) + "]";
          if (Peek().kind != TokenKind::kRBracket) {
            return Error(Peek(),
                         "expected ']' to close '[' at column " + std::to_string(open.column));
          }
          Next();
        } else {
          return Error(Peek(), "expected ']' or an array index after '['");
        }
      }
      first = false;
      if (Peek().kind != TokenKind::kDot) break;
      Next();
    }
    Status st = ValidatePath(path);  // e.g. an index too large
    if (!st.ok()) return Error(Peek(), st.message());
    return path;
  }

  Result<Json> ParseValue(const std::string& after) {
    const Token& t = Peek();
    Json v;
    if (t.kind == TokenKind::kString) {
      v = t.str;
    } else if (t.kind == TokenKind::kNumber) {
      v = t.number;
    } else if (IsKeyword(t, "true")) {
      v = true;
    } else if (IsKeyword(t, "false")) {
      v = false;
    } else if (IsKeyword(t, "null")) {
      v = nullptr;
    } else {
      return Error(t, "expected a value after " + after + ", got " + Describe(t));
    }
    Next();
    return v;
  }

  Result<std::vector<Json>> ParseList(const std::string& after) {
    const Token& open = Peek();
    if (open.kind != TokenKind::kLBracket) {
      return Error(open, "expected '[' after " + after + ", got " + Describe(open));
    }
    Next();
    std::vector<Json> values;
    while (Peek().kind != TokenKind::kRBracket) {
      if (Peek().kind == TokenKind::kEnd) {
        return Error(Peek(), "expected ']' to close '[' at column " + std::to_string(open.column));
      }
      RAGDB_ASSIGN_OR_RETURN(Json v, ParseValue(values.empty() ? "'['" : "','"));
      values.push_back(std::move(v));
      if (Peek().kind == TokenKind::kComma) {
        Next();
      } else if (Peek().kind != TokenKind::kRBracket) {
        return Error(Peek(), "expected ',' or ']' in the list opened at column " +
                                 std::to_string(open.column) + ", got " + Describe(Peek()));
      }
    }
    Next();
    return values;
  }

  Result<std::vector<PointId>> ToIds(const std::vector<Json>& values, const Token& at) {
    std::vector<PointId> ids;
    for (const Json& v : values) {
      Result<PointId> id = PointId::FromJson(v);
      if (!id.ok()) return Error(at, id.status().message());
      ids.push_back(*std::move(id));
    }
    return ids;
  }

  Result<ExprPtr> ParseComparison() {
    bool is_id = false;
    RAGDB_ASSIGN_OR_RETURN(std::string path, ParsePath(&is_id));
    const Token& op = Peek();
    Condition c;
    c.key = path;
    bool negate = false;
    if (IsKeyword(op, "in") || (IsKeyword(op, "not") && IsKeyword(Peek(1), "in"))) {
      negate = IsKeyword(op, "not");
      if (negate) Next();
      Next();
      const Token& list_tok = Peek();
      RAGDB_ASSIGN_OR_RETURN(std::vector<Json> values, ParseList(negate ? "'not in'" : "'in'"));
      if (is_id) {
        c.key.clear();
        c.kind = Condition::Kind::kHasId;
        RAGDB_ASSIGN_OR_RETURN(c.ids, ToIds(values, list_tok));
      } else {
        c.kind = Condition::Kind::kMatchAny;
        c.values = std::move(values);
      }
    } else if (op.kind == TokenKind::kEq || op.kind == TokenKind::kNe) {
      negate = op.kind == TokenKind::kNe;
      Next();
      const Token& value_tok = Peek();
      RAGDB_ASSIGN_OR_RETURN(Json v, ParseValue("'" + std::string(op.text) + "'"));
      if (is_id) {
        c.key.clear();
        c.kind = Condition::Kind::kHasId;
        RAGDB_ASSIGN_OR_RETURN(c.ids, ToIds({v}, value_tok));
      } else if (v.is_null()) {
        c.kind = Condition::Kind::kIsNull;
      } else {
        c.kind = Condition::Kind::kMatch;
        c.values.push_back(std::move(v));
      }
    } else if (op.kind == TokenKind::kLt || op.kind == TokenKind::kLe ||
               op.kind == TokenKind::kGt || op.kind == TokenKind::kGe) {
      if (is_id) {
        return Error(op,
                     "'id' (the record id) supports only ==, !=, in and not in; write `id` for a "
                     "payload field named id");
      }
      Next();
      const Token& num = Peek();
      double d;
      if (num.kind == TokenKind::kString) {
        // A quoted bound is a date-time: `created >= "2024-01-01T00:00:00Z"`.
        std::optional<int64_t> t = ParseDatetime(num.str);
        if (!t) {
          return Error(
              num, "'" + num.str + "' is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)");
        }
        c.range.datetime = true;
        d = static_cast<double>(*t);
      } else if (num.kind == TokenKind::kNumber) {
        d = *NumberAsDoubleOf(num.number);
      } else {
        return Error(num, "expected a number or a date-time string after '" + std::string(op.text) +
                              "', got " + Describe(num));
      }
      Next();
      c.kind = Condition::Kind::kRange;
      switch (op.kind) {
        case TokenKind::kLt:
          c.range.lt = d;
          break;
        case TokenKind::kLe:
          c.range.lte = d;
          break;
        case TokenKind::kGt:
          c.range.gt = d;
          break;
        default:
          c.range.gte = d;
          break;
      }
    } else {
      return Error(op, "expected an operator (==, !=, <, <=, >, >=, in, not in) after '" + path +
                           "', got " + Describe(op));
    }
    ExprPtr e = Leaf(std::move(c));
    return negate ? Not(std::move(e)) : std::move(e);
  }

  static std::optional<double> NumberAsDoubleOf(const Json& j) {
    if (j.is_number_float()) return j.get<double>();
    if (j.is_number_unsigned()) return static_cast<double>(j.get<uint64_t>());
    return static_cast<double>(j.get<int64_t>());
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// ---- Compaction of the parse tree into the Qdrant-shaped Filter ----

Filter ToFilter(Expr& e);

Condition ToCondition(Expr& e) {
  if (e.kind == Expr::Kind::kLeaf) return std::move(e.leaf);
  Filter f = ToFilter(e);
  Condition c;
  c.kind = Condition::Kind::kNested;
  c.filter = std::make_shared<const Filter>(std::move(f));
  return c;
}

void AddNegated(Expr& inner, Filter* f) {
  if (inner.kind == Expr::Kind::kOr) {  // not (a or b) == not a and not b
    for (auto& k : inner.kids) f->must_not.push_back(ToCondition(*k));
  } else {
    f->must_not.push_back(ToCondition(inner));
  }
}

Filter ToFilter(Expr& e) {
  Filter f;
  switch (e.kind) {
    case Expr::Kind::kLeaf:
      f.must.push_back(std::move(e.leaf));
      break;
    case Expr::Kind::kNot:
      AddNegated(*e.kids[0], &f);
      break;
    case Expr::Kind::kOr:
      for (auto& k : e.kids) f.should.push_back(ToCondition(*k));
      break;
    case Expr::Kind::kAnd:
      for (auto& k : e.kids) {
        if (k->kind == Expr::Kind::kNot) {
          AddNegated(*k->kids[0], &f);
        } else if (k->kind == Expr::Kind::kOr && f.should.empty()) {
          for (auto& g : k->kids) f.should.push_back(ToCondition(*g));
        } else {
          f.must.push_back(ToCondition(*k));
        }
      }
      break;
  }
  return f;
}

}  // namespace

Result<Filter> ParseFilterExpression(std::string_view expression) {
  RAGDB_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(expression));
  if (tokens.size() == 1) return Filter{};  // only kEnd: the empty filter matches everything
  Parser parser(std::move(tokens));
  RAGDB_ASSIGN_OR_RETURN(ExprPtr root, parser.ParseAll());
  return ToFilter(*root);
}

}  // namespace internal

Result<Filter> Filter::Parse(std::string_view expression) {
  return internal::ParseFilterExpression(expression);
}

}  // namespace ragdb
