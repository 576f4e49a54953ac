#include "query/filter_eval.h"

#include <algorithm>
#include <optional>
#include <unordered_set>
#include <vector>

#include "query/datetime.h"
#include "query/geo.h"
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

namespace {

// True when some string leaf of `raw` passes `test(text)`.
template <typename Test>
bool AnyStringLeaf(const std::vector<const Json*>& raw, Test&& test) {
  bool found = false;
  internal::ForEachLeaf(raw, [&](const Json& leaf) {
    if (!found && leaf.is_string()) found = test(leaf.get_ref<const std::string&>());
  });
  return found;
}

// Qdrant's values_count: null counts 0 values, an array its elements, anything else 1.
size_t ValuesCount(const std::vector<const Json*>& raw) {
  size_t n = 0;
  for (const Json* v : raw) n += v->is_null() ? 0 : v->is_array() ? v->size() : 1;
  return n;
}

// The elements `nested` conditions test: the objects of the array at the key (a single object
// counts as an array of one).
void NestedElements(const std::vector<const Json*>& raw, std::vector<const Json*>* out) {
  out->clear();
  for (const Json* v : raw) {
    if (v->is_array()) {
      for (const Json& e : *v) {
        if (e.is_object()) out->push_back(&e);
      }
    } else if (v->is_object()) {
      out->push_back(v);
    }
  }
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
      const std::vector<std::string> words = internal::TextWords(c.text);
      return AnyStringLeaf(
          raw, [&](const std::string& s) { return internal::TextContainsAll(s, words); });
    }
    case K::kMatchTextAny: {
      const std::vector<std::string> words = internal::TextWords(c.text);
      return AnyStringLeaf(
          raw, [&](const std::string& s) { return internal::TextContainsAny(s, words); });
    }
    case K::kMatchPhrase: {
      const std::vector<std::string> words = internal::TextWords(c.text);
      return AnyStringLeaf(
          raw, [&](const std::string& s) { return internal::TextContainsPhrase(s, words); });
    }
    case K::kRange: {
      bool found = false;
      internal::ForEachLeaf(raw, [&](const Json& leaf) {
        if (found) return;
        if (c.range.datetime) {
          if (!leaf.is_string()) return;
          if (auto t = internal::ParseDatetime(leaf.get_ref<const std::string&>())) {
            found = internal::InRange(static_cast<double>(*t), c.range);
          }
        } else if (auto d = internal::NumberAsDouble(leaf)) {
          found = internal::InRange(*d, c.range);
        }
      });
      return found;
    }
    case K::kGeoRadius:
    case K::kGeoBoundingBox:
    case K::kGeoPolygon: {
      bool found = false;
      internal::ForEachLeaf(raw, [&](const Json& leaf) {
        if (found) return;
        if (auto p = internal::GeoPointOf(leaf)) found = internal::GeoContains(c.kind, c.geo, *p);
      });
      return found;
    }
    case K::kValuesCount:
      return internal::InRange(static_cast<double>(ValuesCount(raw)), c.range);
    case K::kIsEmpty:
      return std::all_of(raw.begin(), raw.end(), [](const Json* v) {
        return v->is_null() || (v->is_array() && v->empty());
      });
    case K::kIsNull:
      return std::any_of(raw.begin(), raw.end(), [](const Json* v) { return v->is_null(); });
    case K::kNestedArray: {
      if (c.filter == nullptr) return false;
      std::vector<const Json*> elements;
      NestedElements(raw, &elements);
      for (const Json* e : elements) {
        if (Matches(*c.filter, id, *e)) return true;
      }
      return false;
    }
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
  if (!f.min_should.empty()) {
    size_t hits = 0;
    for (const Condition& c : f.min_should) {
      if (hits >= f.min_should_count) break;
      hits += ConditionMatches(c, id, payload) ? 1 : 0;
    }
    if (hits < f.min_should_count) return false;
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
  if (c.kind == K::kHasId || c.kind == K::kNested || c.kind == K::kNestedArray) return nullptr;
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
  for (const auto* list : {&f.must, &f.should, &f.must_not, &f.min_should}) {
    for (const Condition& c : *list) {
      if (UsesIndex(c, src)) return true;
    }
  }
  return false;
}

bool IsIndexedNested(const Condition& c, const FilterSource& src) {
  return c.kind == Condition::Kind::kNested && c.filter != nullptr && UsesIndex(*c.filter, src);
}

// The rows of `scope` whose id is one of a has_id condition's: from the ids alone, never the
// payloads (a recommendation excludes its examples this way on every row of the collection).
Bitset HasIdRows(const Condition& c, const FilterSource& src, const Bitset& scope) {
  Bitset bits(src.rows());
  if (c.ids.empty()) return bits;
  const std::unordered_set<PointId> ids(c.ids.begin(), c.ids.end());
  scope.ForEach([&](size_t row) {
    if (ids.contains(src.id(row))) bits.Set(row);
  });
  return bits;
}

// The rows matching `c`, exact within `scope`, from an index (or, for has_id, from the ids);
// nullopt when no index answers. Rows the index cannot vouch for (its other rows, or all of an
// inexact answer) are re-checked against their payloads.
std::optional<Bitset> IndexAnswerIn(const Condition& c, const FilterSource& src,
                                    const Bitset& scope) {
  if (c.kind == Condition::Kind::kHasId) return HasIdRows(c, src, scope);
  const PayloadIndex* idx = UsableIndex(c, src);
  if (idx == nullptr) return std::nullopt;
  std::optional<IndexAnswer> answer = idx->Lookup(c, src.rows());
  if (!answer) return std::nullopt;
  Bitset& bits = answer->rows;
  auto recheck = [&](size_t row) {
    if (ConditionMatches(c, src.id(row), src.payload(row))) {
      bits.Set(row);
    } else {
      bits.Reset(row);
    }
  };
  if (!answer->exact) {
    bits &= scope;
    Bitset candidates = bits;
    candidates.ForEach(recheck);
  }
  for (uint32_t row : idx->other_rows()) {
    if (scope.Test(row)) recheck(row);
  }
  return std::move(bits);
}

// The rows of `scope` matching `f`.
Bitset EvaluateIn(const Filter& f, const FilterSource& src, const Bitset& scope) {
  Bitset result = scope;
  std::vector<const Condition*> scan_must, scan_must_not, scan_should, nested_must;

  // Index-answered `must` conditions, most selective first, shrink the rows everything else sees.
  std::vector<std::pair<size_t, const Condition*>> indexed;
  for (const Condition& c : f.must) {
    if (IsIndexedNested(c, src)) {
      nested_must.push_back(&c);
    } else if (c.kind == Condition::Kind::kHasId) {
      indexed.emplace_back(c.ids.size(), &c);
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
    std::optional<Bitset> bits = IndexAnswerIn(*c, src, result);
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
    if (IsIndexedNested(c, src)) {
      result.AndNot(EvaluateIn(*c.filter, src, result));
    } else if (std::optional<Bitset> bits = IndexAnswerIn(c, src, result)) {
      result.AndNot(*bits);
    } else {
      scan_must_not.push_back(&c);
    }
  }

  Bitset any_should(src.rows());
  for (const Condition& c : f.should) {
    if (!result.Any()) return result;
    if (IsIndexedNested(c, src)) {
      any_should |= EvaluateIn(*c.filter, src, result);
    } else if (std::optional<Bitset> bits = IndexAnswerIn(c, src, result)) {
      any_should |= *bits;
    } else {
      scan_should.push_back(&c);
    }
  }
  if (!f.should.empty() && scan_should.empty()) result &= any_should;

  // min_should: conditions an index answers become bitsets counted per row; the rest are checked
  // on the payload, and only while the count can still reach min_should_count.
  std::vector<Bitset> min_bits;
  std::vector<const Condition*> scan_min;
  const bool has_min = !f.min_should.empty();
  if (has_min) {
    for (const Condition& c : f.min_should) {
      if (!result.Any()) return result;
      if (IsIndexedNested(c, src)) {
        min_bits.push_back(EvaluateIn(*c.filter, src, result));
      } else if (std::optional<Bitset> bits = IndexAnswerIn(c, src, result)) {
        min_bits.push_back(std::move(*bits));
      } else {
        scan_min.push_back(&c);
      }
    }
    if (scan_min.empty()) {
      Bitset enough(src.rows());
      result.ForEach([&](size_t row) {
        size_t hits = 0;
        for (const Bitset& b : min_bits) hits += b.Test(row) ? 1 : 0;
        if (hits >= f.min_should_count) enough.Set(row);
      });
      result &= enough;
    }
  }

  if (scan_must.empty() && scan_must_not.empty() && scan_should.empty() && scan_min.empty()) {
    return result;
  }
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
    if (!scan_min.empty()) {
      size_t hits = 0;
      for (const Bitset& b : min_bits) hits += b.Test(row) ? 1 : 0;
      for (size_t i = 0; i < scan_min.size() && hits < f.min_should_count; ++i) {
        hits += ConditionMatches(*scan_min[i], id, payload) ? 1 : 0;
      }
      if (hits < f.min_should_count) return;
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
  if (!f.min_should.empty() && f.min_should_count > 0) {
    size_t sum = 0;
    for (const Condition& c : f.min_should) {
      sum = std::min(src.rows(), sum + EstimateCondition(c, src));
    }
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
