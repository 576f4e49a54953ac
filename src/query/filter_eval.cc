#include "query/filter_eval.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "query/json_path.h"
#include "query/value_match.h"

namespace ragdb {
namespace {

bool AnyLeafEquals(const std::vector<const Json*>& raw, const std::vector<Json>& values) {
  bool found = false;
  internal::ForEachLeaf(raw, [&](const Json& leaf) {
    if (found) return;
    for (const Json& v : values) {
      if (internal::ScalarEquals(leaf, v)) {
        found = true;
        return;
      }
    }
  });
  return found;
}

}  // namespace

bool ConditionMatches(const Condition& c, const PointId& id, const Json& payload) {
  using K = Condition::Kind;
  if (c.kind == K::kHasId) return std::find(c.ids.begin(), c.ids.end(), id) != c.ids.end();
  if (c.kind == K::kNested) return c.filter == nullptr || Matches(*c.filter, id, payload);

  std::vector<const Json*> raw;
  internal::ResolvePath(payload, c.key, &raw);
  switch (c.kind) {
    case K::kMatch:
    case K::kMatchAny:
      return AnyLeafEquals(raw, c.values);
    case K::kMatchExcept:
      return !raw.empty() && !AnyLeafEquals(raw, c.values);
    case K::kMatchText: {
      std::vector<std::string> words = internal::TextWords(c.text);
      bool found = false;
      internal::ForEachLeaf(raw, [&](const Json& leaf) {
        if (!found && leaf.is_string()) {
          found = internal::TextContainsAll(leaf.get_ref<const std::string&>(), words);
        }
      });
      return found;
    }
    case K::kRange: {
      bool found = false;
      internal::ForEachLeaf(raw, [&](const Json& leaf) {
        if (found) return;
        if (auto d = internal::NumberAsDouble(leaf)) found = internal::InRange(*d, c.range);
      });
      return found;
    }
    case K::kIsEmpty:
      return std::all_of(raw.begin(), raw.end(), [](const Json* v) {
        return v->is_null() || (v->is_array() && v->empty());
      });
    case K::kIsNull:
      return std::any_of(raw.begin(), raw.end(), [](const Json* v) { return v->is_null(); });
    case K::kHasId:
    case K::kNested:
      break;
  }
  return false;
}

bool Matches(const Filter& f, const PointId& id, const Json& payload) {
  for (const Condition& c : f.must) {
    if (!ConditionMatches(c, id, payload)) return false;
  }
  for (const Condition& c : f.must_not) {
    if (ConditionMatches(c, id, payload)) return false;
  }
  if (f.should.empty()) return true;
  for (const Condition& c : f.should) {
    if (ConditionMatches(c, id, payload)) return true;
  }
  return false;
}

namespace {

const PayloadIndex* UsableIndex(const Condition& c, const FilterSource& src) {
  using K = Condition::Kind;
  if (c.kind == K::kHasId || c.kind == K::kNested) return nullptr;
  const PayloadIndex* idx = src.index(c.key);
  return idx != nullptr && idx->rows() == src.rows() ? idx : nullptr;
}

// A nested filter is worth evaluating on its own (rather than per row) when some condition in it
// can use an index.
bool UsesIndex(const Filter& f, const FilterSource& src);

bool UsesIndex(const Condition& c, const FilterSource& src) {
  if (c.kind == Condition::Kind::kNested) return c.filter != nullptr && UsesIndex(*c.filter, src);
  const PayloadIndex* idx = UsableIndex(c, src);
  return idx != nullptr && idx->EstimateCount(c).has_value();
}

bool UsesIndex(const Filter& f, const FilterSource& src) {
  for (const auto* list : {&f.must, &f.should, &f.must_not}) {
    for (const Condition& c : *list) {
      if (UsesIndex(c, src)) return true;
    }
  }
  return false;
}

// The rows matching `c`, exact within `scope`, from an index; nullopt when no index answers.
std::optional<Bitset> IndexAnswer(const Condition& c, const FilterSource& src,
                                  const Bitset& scope) {
  const PayloadIndex* idx = UsableIndex(c, src);
  if (idx == nullptr) return std::nullopt;
  std::optional<Bitset> bits = idx->Lookup(c, src.rows());
  if (!bits) return std::nullopt;
  for (uint32_t row : idx->other_rows()) {
    if (!scope.Test(row)) continue;
    if (ConditionMatches(c, src.id(row), src.payload(row))) {
      bits->Set(row);
    } else {
      bits->Reset(row);
    }
  }
  return bits;
}

// The rows of `scope` matching `f`.
Bitset EvaluateIn(const Filter& f, const FilterSource& src, const Bitset& scope) {
  Bitset result = scope;
  std::vector<const Condition*> scan_must, scan_must_not, scan_should, nested_must;

  // Index-answered `must` conditions, most selective first, shrink the rows everything else sees.
  std::vector<std::pair<size_t, const Condition*>> indexed;
  for (const Condition& c : f.must) {
    if (c.kind == Condition::Kind::kNested && c.filter != nullptr && UsesIndex(*c.filter, src)) {
      nested_must.push_back(&c);
    } else if (const PayloadIndex* idx = UsableIndex(c, src)) {
      std::optional<size_t> est = idx->EstimateCount(c);
      if (est) {
        indexed.emplace_back(*est, &c);
      } else {
        scan_must.push_back(&c);
      }
    } else {
      scan_must.push_back(&c);
    }
  }
  std::stable_sort(indexed.begin(), indexed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [est, c] : indexed) {
    if (!result.Any()) return result;
    std::optional<Bitset> bits = IndexAnswer(*c, src, result);
    if (bits) {
      result &= *bits;
    } else {
      scan_must.push_back(c);
    }
  }
  for (const Condition* c : nested_must) {
    if (!result.Any()) return result;
    result = EvaluateIn(*c->filter, src, result);
  }

  for (const Condition& c : f.must_not) {
    if (!result.Any()) return result;
    if (c.kind == Condition::Kind::kNested && c.filter != nullptr && UsesIndex(*c.filter, src)) {
      result.AndNot(EvaluateIn(*c.filter, src, result));
    } else if (std::optional<Bitset> bits = IndexAnswer(c, src, result)) {
      result.AndNot(*bits);
    } else {
      scan_must_not.push_back(&c);
    }
  }

  Bitset any_should(src.rows());
  for (const Condition& c : f.should) {
    if (!result.Any()) return result;
    if (c.kind == Condition::Kind::kNested && c.filter != nullptr && UsesIndex(*c.filter, src)) {
      any_should |= EvaluateIn(*c.filter, src, result);
    } else if (std::optional<Bitset> bits = IndexAnswer(c, src, result)) {
      any_should |= *bits;
    } else {
      scan_should.push_back(&c);
    }
  }
  if (!f.should.empty() && scan_should.empty()) result &= any_should;

  if (scan_must.empty() && scan_must_not.empty() && scan_should.empty()) return result;
  // One pass over the remaining rows: each payload is read once for all per-row conditions.
  Bitset out(src.rows());
  result.ForEach([&](size_t row) {
    const Json& payload = src.payload(row);
    PointId id = src.id(row);
    for (const Condition* c : scan_must) {
      if (!ConditionMatches(*c, id, payload)) return;
    }
    for (const Condition* c : scan_must_not) {
      if (ConditionMatches(*c, id, payload)) return;
    }
    if (!f.should.empty() && !any_should.Test(row)) {
      bool ok = false;
      for (const Condition* c : scan_should) {
        if (ConditionMatches(*c, id, payload)) {
          ok = true;
          break;
        }
      }
      if (!ok) return;
    }
    out.Set(row);
  });
  return out;
}

size_t EstimateFilter(const Filter& f, const FilterSource& src);

size_t EstimateCondition(const Condition& c, const FilterSource& src) {
  if (c.kind == Condition::Kind::kNested) {
    return c.filter != nullptr ? EstimateFilter(*c.filter, src) : src.rows();
  }
  if (const PayloadIndex* idx = UsableIndex(c, src)) {
    if (std::optional<size_t> est = idx->EstimateCount(c)) return std::min(*est, src.rows());
  }
  return src.rows();
}

size_t EstimateFilter(const Filter& f, const FilterSource& src) {
  size_t est = src.rows();
  for (const Condition& c : f.must) est = std::min(est, EstimateCondition(c, src));
  if (!f.should.empty()) {
    size_t sum = 0;
    for (const Condition& c : f.should) sum = std::min(src.rows(), sum + EstimateCondition(c, src));
    est = std::min(est, sum);
  }
  return est;  // must_not only ever lowers the count; ignoring it keeps the estimate high
}

}  // namespace

Bitset Evaluate(const Filter& filter, const FilterSource& source, const Bitset* candidates) {
  if (candidates != nullptr) {
    Bitset scope = *candidates;
    scope.Resize(source.rows());  // defensive: rows past either end are not candidates
    return EvaluateIn(filter, source, scope);
  }
  return EvaluateIn(filter, source, Bitset(source.rows(), true));
}

size_t EstimateCount(const Filter& filter, const FilterSource& source) {
  return EstimateFilter(filter, source);
}

}  // namespace ragdb
