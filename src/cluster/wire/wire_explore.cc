// The wire form of the exploration calls (ragdb/explore.h) between cluster nodes: recommend and
// discover (examples as vectors), facets, samples, and scrolls ordered by a payload value.
#include "base/json_text.h"
#include "cluster/wire/wire.h"
#include "cluster/wire/wire_primitives.h"

namespace ragdb::cluster {
namespace {

using namespace wire_internal;  // NOLINT(google-build-using-namespace): this file's primitives

void PutExamples(const std::vector<VectorExample>& examples, std::string* out) {
  PutVarint(out, examples.size());
  for (const auto& e : examples) PutFloats(out, e.vector);
}

bool GetExamples(ByteReader* in, std::vector<VectorExample>* examples) {
  size_t n;
  if (!GetSize(in, &n) || n > in->remaining()) return false;
  examples->assign(n, VectorExample{});
  for (auto& e : *examples) {
    if (!GetFloats(in, &e.vector)) return false;
  }
  return true;
}

void PutThreshold(const std::optional<float>& t, std::string* out) {
  out->push_back(t ? 1 : 0);
  if (t) PutFloat(out, *t);
}

bool GetThreshold(ByteReader* in, std::optional<float>* t) {
  uint8_t has;
  if (!in->GetU8(&has) || has > 1) return false;
  t->reset();
  if (!has) return true;
  float v;
  if (!GetFloat(in, &v)) return false;
  *t = v;
  return true;
}

}  // namespace

void PutRecommendRequest(const RecommendRequest& r, std::string* out) {
  PutBytes(out, r.field);
  PutExamples(r.positive, out);
  PutExamples(r.negative, out);
  out->push_back(static_cast<char>(r.strategy));
  PutVarint(out, r.k);
  PutVarint(out, r.offset);
  PutFilter(r.filter, out);
  PutThreshold(r.score_threshold, out);
  out->push_back(static_cast<char>(Flags(r.with_payload, r.with_vectors, r.exact)));
  PutVarint(out, r.ef);
}

Status GetRecommendRequest(ByteReader* in, RecommendRequest* r) {
  uint8_t strategy;
  if (!GetString(in, &r->field) || !GetExamples(in, &r->positive) ||
      !GetExamples(in, &r->negative) || !in->GetU8(&strategy) ||
      strategy > static_cast<uint8_t>(RecommendStrategy::kSumScores) || !GetSize(in, &r->k) ||
      !GetSize(in, &r->offset)) {
    return Bad("truncated recommend request");
  }
  r->strategy = static_cast<RecommendStrategy>(strategy);
  RAGDB_RETURN_IF_ERROR(GetFilter(in, &r->filter));
  if (!GetThreshold(in, &r->score_threshold) ||
      !GetFlags(in, &r->with_payload, &r->with_vectors, &r->exact) || !GetU32(in, &r->ef)) {
    return Bad("truncated recommend request");
  }
  return Status::Ok();
}

void PutDiscoverRequest(const DiscoverRequest& r, std::string* out) {
  PutBytes(out, r.field);
  out->push_back(r.target ? 1 : 0);
  if (r.target) PutFloats(out, r.target->vector);
  PutVarint(out, r.context.size());
  for (const auto& pair : r.context) {
    PutFloats(out, pair.positive.vector);
    PutFloats(out, pair.negative.vector);
  }
  PutVarint(out, r.k);
  PutVarint(out, r.offset);
  PutFilter(r.filter, out);
  PutThreshold(r.score_threshold, out);
  out->push_back(static_cast<char>(Flags(r.with_payload, r.with_vectors, false)));
}

Status GetDiscoverRequest(ByteReader* in, DiscoverRequest* r) {
  uint8_t has_target;
  size_t pairs;
  if (!GetString(in, &r->field) || !in->GetU8(&has_target) || has_target > 1) {
    return Bad("truncated discover request");
  }
  r->target.reset();
  if (has_target) {
    r->target.emplace();
    if (!GetFloats(in, &r->target->vector)) return Bad("truncated discover request");
  }
  if (!GetSize(in, &pairs) || pairs > in->remaining()) return Bad("truncated discover request");
  r->context.assign(pairs, ContextPair{});
  for (auto& pair : r->context) {
    if (!GetFloats(in, &pair.positive.vector) || !GetFloats(in, &pair.negative.vector)) {
      return Bad("truncated discover request");
    }
  }
  if (!GetSize(in, &r->k) || !GetSize(in, &r->offset)) return Bad("truncated discover request");
  RAGDB_RETURN_IF_ERROR(GetFilter(in, &r->filter));
  bool unused;
  if (!GetThreshold(in, &r->score_threshold) ||
      !GetFlags(in, &r->with_payload, &r->with_vectors, &unused)) {
    return Bad("truncated discover request");
  }
  return Status::Ok();
}

void PutFacetRequest(const FacetRequest& r, std::string* out) {
  PutBytes(out, r.key);
  PutVarint(out, r.limit);
  PutFilter(r.filter, out);
}

Status GetFacetRequest(ByteReader* in, FacetRequest* r) {
  if (!GetString(in, &r->key) || !GetSize(in, &r->limit)) return Bad("truncated facet request");
  return GetFilter(in, &r->filter);
}

void PutFacetHits(const std::vector<FacetHit>& hits, std::string* out) {
  PutVarint(out, hits.size());
  for (const auto& h : hits) {
    PutBytes(out, WriteJson(h.value));
    PutVarint(out, h.count);
  }
}

Status GetFacetHits(ByteReader* in, std::vector<FacetHit>* hits) {
  size_t n;
  if (!GetSize(in, &n) || n > in->remaining()) return Bad("truncated facet counts");
  hits->resize(n);
  for (auto& h : *hits) {
    std::string_view text;
    if (!in->GetBytes(&text) || !in->GetVarint(&h.count)) return Bad("truncated facet counts");
    auto v = ReadJson(text);
    if (!v.ok()) return Bad("facet value: " + v.status().message());
    h.value = std::move(v).value();
  }
  return Status::Ok();
}

void PutSampleRequest(const SampleRequest& r, std::string* out) {
  PutFilter(r.filter, out);
  PutVarint(out, r.limit);
  out->push_back(static_cast<char>(Flags(r.with_payload, r.with_vectors, false)));
  out->push_back(r.seed ? 1 : 0);
  if (r.seed) PutVarint(out, *r.seed);
}

Status GetSampleRequest(ByteReader* in, SampleRequest* r) {
  RAGDB_RETURN_IF_ERROR(GetFilter(in, &r->filter));
  bool unused;
  uint8_t has_seed;
  if (!GetSize(in, &r->limit) || !GetFlags(in, &r->with_payload, &r->with_vectors, &unused) ||
      !in->GetU8(&has_seed) || has_seed > 1) {
    return Bad("truncated sample request");
  }
  r->seed.reset();
  if (has_seed) {
    uint64_t seed;
    if (!in->GetVarint(&seed)) return Bad("truncated sample request");
    r->seed = seed;
  }
  return Status::Ok();
}

void PutOrderBy(const std::optional<OrderBy>& o, std::string* out) {
  out->push_back(o ? 1 : 0);
  if (!o) return;
  PutBytes(out, o->key);
  out->push_back(o->descending ? 1 : 0);
  out->push_back(o->start_from ? 1 : 0);
  if (o->start_from) out->append(reinterpret_cast<const char*>(&*o->start_from), 8);
}

Status GetOrderBy(ByteReader* in, std::optional<OrderBy>* o) {
  uint8_t has, desc, has_start;
  if (!in->GetU8(&has) || has > 1) return Bad("truncated order_by");
  o->reset();
  if (!has) return Status::Ok();
  OrderBy v;
  if (!GetString(in, &v.key) || !in->GetU8(&desc) || desc > 1 || !in->GetU8(&has_start) ||
      has_start > 1) {
    return Bad("truncated order_by");
  }
  v.descending = desc != 0;
  if (has_start) {
    std::string_view raw;
    if (!in->GetRaw(8, &raw)) return Bad("truncated order_by");
    double start;
    std::memcpy(&start, raw.data(), 8);
    v.start_from = start;
  }
  *o = std::move(v);
  return Status::Ok();
}

void PutJsonValues(const std::vector<Json>& values, std::string* out) {
  PutVarint(out, values.size());
  for (const auto& v : values) PutBytes(out, WriteJson(v));
}

Status GetJsonValues(ByteReader* in, std::vector<Json>* values) {
  size_t n;
  if (!GetSize(in, &n) || n > in->remaining()) return Bad("truncated values");
  values->resize(n);
  for (auto& v : *values) {
    std::string_view text;
    if (!in->GetBytes(&text)) return Bad("truncated values");
    auto parsed = ReadJson(text);
    if (!parsed.ok()) return Bad("value: " + parsed.status().message());
    v = std::move(parsed).value();
  }
  return Status::Ok();
}

}  // namespace ragdb::cluster
