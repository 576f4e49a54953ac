#include "cluster/shard/shard_reads.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "db/replication.h"

namespace ragdb::cluster {
namespace {

Status Bad(const std::string& what) { return Status::InvalidArgument("cluster wire: " + what); }

size_t TopSize(const ReadArgs& a) {
  switch (a.kind) {
    case ReadKind::kSearch:
      return a.search.k + a.search.offset;
    case ReadKind::kSearchText:
      return a.text.k + a.text.offset;
    case ReadKind::kSearchSparse:
      return a.sparse.k + a.sparse.offset;
    case ReadKind::kRecommend:
      return a.recommend.k + a.recommend.offset;
    case ReadKind::kDiscover:
      return a.discover.k + a.discover.offset;
    default:
      return 0;
  }
}

void AddStats(const text::CollectionStats& s, text::CollectionStats* sum) {
  sum->doc_count += s.doc_count;
  sum->total_tokens += s.total_tokens;
  for (const auto& [t, n] : s.doc_freq) sum->doc_freq[t] += n;
}

void AddInfo(CollectionInfo info, CollectionInfo* sum) {
  sum->points += info.points;
  sum->wal_bytes += info.wal_bytes;
  for (auto& s : info.segments) {
    s.id = sum->segments.size();
    sum->segments.push_back(std::move(s));
  }
}

template <class T>
void Append(std::vector<T> from, std::vector<T>* to) {
  if (to->empty()) {
    *to = std::move(from);
    return;
  }
  to->insert(to->end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// Records travel in the storage codec, whose payload is always an object; the caller drops them
// again when they were not asked for.
void ObjectPayloads(std::vector<Record>* records) {
  for (Record& r : *records) {
    if (r.payload.is_null()) r.payload = Json::object();
  }
}

// Merges a uniform random sample `b` of `population` points into `out`'s (of out->population):
// each pick takes the next record of one side, chosen in proportion to the points that side has
// not given yet, which keeps the union a uniform sample without repeats. Each side's records are
// in random order, so taking them in order is fair.
void MergeSample(const ReadArgs& a, std::vector<Record> b, uint64_t population, ReadResult* out) {
  population = std::max<uint64_t>(population, b.size());  // counted apart from the sample
  if (out->population == 0 && out->records.empty()) {
    out->records = std::move(b);
    out->population = population;
    return;
  }
  std::vector<Record>& first = out->records;
  std::mt19937_64 rng;
  if (a.sample.seed) {
    rng.seed(*a.sample.seed ^ (out->population * 0x9E3779B97F4A7C15ULL + population));
  } else {
    std::random_device rd;
    rng.seed((uint64_t{rd()} << 32) ^ rd());
  }
  std::vector<Record> merged;
  size_t i = 0, j = 0;
  uint64_t left_first = std::max<uint64_t>(out->population, first.size());
  uint64_t left_second = population;
  while (merged.size() < a.sample.limit && (i < first.size() || j < b.size())) {
    bool take_first = j >= b.size();
    if (i < first.size() && j < b.size()) {
      const uint64_t pick =
          std::uniform_int_distribution<uint64_t>(0, left_first + left_second - 1)(rng);
      take_first = pick < left_first;
    }
    if (take_first) {
      merged.push_back(std::move(first[i++]));
      left_first = std::max<uint64_t>(left_first - 1, first.size() - i);
    } else {
      merged.push_back(std::move(b[j++]));
      left_second = std::max<uint64_t>(left_second - 1, b.size() - j);
    }
  }
  out->records = std::move(merged);
  out->population += population;
}

Status ReadOne(const ReadArgs& a, const LocalShard& s, ReadResult* out) {
  Collection& c = *s.collection;
  switch (a.kind) {
    case ReadKind::kSearch: {
      RAGDB_ASSIGN_OR_RETURN(auto hits, c.Search(a.search));
      Append(std::move(hits), &out->points);
      return Status::Ok();
    }
    case ReadKind::kTextStats: {
      RAGDB_ASSIGN_OR_RETURN(text::CollectionStats stats, db::TextStatistics(c, a.text));
      AddStats(stats, &out->stats);
      return Status::Ok();
    }
    case ReadKind::kSearchText: {
      RAGDB_ASSIGN_OR_RETURN(auto hits, db::SearchTextWithStats(c, a.text, a.stats));
      Append(std::move(hits), &out->points);
      return Status::Ok();
    }
    case ReadKind::kSearchSparse: {
      RAGDB_ASSIGN_OR_RETURN(auto hits, c.SearchSparse(a.sparse));
      Append(std::move(hits), &out->points);
      return Status::Ok();
    }
    case ReadKind::kCount: {
      RAGDB_ASSIGN_OR_RETURN(size_t n, c.Count(a.filter ? &*a.filter : nullptr));
      out->count += n;
      return Status::Ok();
    }
    case ReadKind::kScroll: {
      RAGDB_ASSIGN_OR_RETURN(ScrollPage page, c.Scroll(a.scroll));
      ObjectPayloads(&page.records);
      Append(std::move(page.records), &out->records);
      Append(std::move(page.order_values), &out->order_values);
      if (page.next_offset && (!out->next_offset || *page.next_offset < *out->next_offset)) {
        out->next_offset = std::move(page.next_offset);
      }
      return Status::Ok();
    }
    case ReadKind::kGet: {
      if (s.shard >= a.ids.size() || a.ids[s.shard].empty()) return Status::Ok();
      RAGDB_ASSIGN_OR_RETURN(auto records, c.GetMany(a.ids[s.shard], a.with_vectors));
      Append(std::move(records), &out->records);
      return Status::Ok();
    }
    case ReadKind::kDescribe: {
      RAGDB_ASSIGN_OR_RETURN(CollectionInfo info, c.Describe());
      AddInfo(std::move(info), &out->info);
      return Status::Ok();
    }
    case ReadKind::kRecommend: {
      RAGDB_ASSIGN_OR_RETURN(auto hits, c.Recommend(a.recommend));
      Append(std::move(hits), &out->points);
      return Status::Ok();
    }
    case ReadKind::kDiscover: {
      RAGDB_ASSIGN_OR_RETURN(auto hits, c.Discover(a.discover));
      Append(std::move(hits), &out->points);
      return Status::Ok();
    }
    case ReadKind::kFacet: {
      RAGDB_ASSIGN_OR_RETURN(auto hits, c.Facet(a.facet));
      Append(std::move(hits), &out->facets);
      return Status::Ok();
    }
    case ReadKind::kSample: {
      RAGDB_ASSIGN_OR_RETURN(std::vector<Record> records, c.Sample(a.sample));
      RAGDB_ASSIGN_OR_RETURN(size_t population,
                             c.Count(a.sample.filter ? &*a.sample.filter : nullptr));
      ObjectPayloads(&records);
      MergeSample(a, std::move(records), population, out);
      return Status::Ok();
    }
  }
  return Status::Internal("unknown read kind");
}

}  // namespace

void EncodeReadArgs(const ReadArgs& a, std::string* out) {
  out->push_back(a.lower_is_better ? 1 : 0);
  switch (a.kind) {
    case ReadKind::kSearch:
      return PutSearchRequest(a.search, out);
    case ReadKind::kTextStats:
      return PutTextSearchRequest(a.text, out);
    case ReadKind::kSearchText:
      PutTextSearchRequest(a.text, out);
      return PutStats(a.stats, out);
    case ReadKind::kSearchSparse:
      return PutSparseSearchRequest(a.sparse, out);
    case ReadKind::kCount:
      return PutFilter(a.filter, out);
    case ReadKind::kScroll:
      return PutScrollRequest(a.scroll, out);
    case ReadKind::kGet:
      out->push_back(a.with_vectors ? 1 : 0);
      return;
    case ReadKind::kDescribe:
      return;
    case ReadKind::kRecommend:
      return PutRecommendRequest(a.recommend, out);
    case ReadKind::kDiscover:
      return PutDiscoverRequest(a.discover, out);
    case ReadKind::kFacet:
      return PutFacetRequest(a.facet, out);
    case ReadKind::kSample:
      return PutSampleRequest(a.sample, out);
  }
}

Status DecodeReadArgs(ReadKind kind, std::string_view bytes, ReadArgs* a) {
  ByteReader in(bytes);
  a->kind = kind;
  uint8_t lower, with_vectors;
  if (!in.GetU8(&lower) || lower > 1) return Bad("truncated read arguments");
  a->lower_is_better = lower != 0;
  switch (kind) {
    case ReadKind::kSearch:
      RAGDB_RETURN_IF_ERROR(GetSearchRequest(&in, &a->search));
      break;
    case ReadKind::kTextStats:
      RAGDB_RETURN_IF_ERROR(GetTextSearchRequest(&in, &a->text));
      break;
    case ReadKind::kSearchText:
      RAGDB_RETURN_IF_ERROR(GetTextSearchRequest(&in, &a->text));
      RAGDB_RETURN_IF_ERROR(GetStats(&in, &a->stats));
      break;
    case ReadKind::kSearchSparse:
      RAGDB_RETURN_IF_ERROR(GetSparseSearchRequest(&in, &a->sparse));
      break;
    case ReadKind::kCount:
      RAGDB_RETURN_IF_ERROR(GetFilter(&in, &a->filter));
      break;
    case ReadKind::kScroll:
      RAGDB_RETURN_IF_ERROR(GetScrollRequest(&in, &a->scroll));
      break;
    case ReadKind::kGet:
      if (!in.GetU8(&with_vectors) || with_vectors > 1) return Bad("truncated get arguments");
      a->with_vectors = with_vectors != 0;
      break;
    case ReadKind::kDescribe:
      break;
    case ReadKind::kRecommend:
      RAGDB_RETURN_IF_ERROR(GetRecommendRequest(&in, &a->recommend));
      break;
    case ReadKind::kDiscover:
      RAGDB_RETURN_IF_ERROR(GetDiscoverRequest(&in, &a->discover));
      break;
    case ReadKind::kFacet:
      RAGDB_RETURN_IF_ERROR(GetFacetRequest(&in, &a->facet));
      break;
    case ReadKind::kSample:
      RAGDB_RETURN_IF_ERROR(GetSampleRequest(&in, &a->sample));
      break;
  }
  return ExpectEnd(in, "the read arguments");
}

Status ReadLocal(const ReadArgs& args, std::span<const LocalShard> shards, ReadResult* out) {
  for (const LocalShard& s : shards) {
    Status st = ReadOne(args, s, out);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status MergeEncoded(const ReadArgs& a, std::string_view bytes, ReadResult* out) {
  ByteReader in(bytes);
  switch (a.kind) {
    case ReadKind::kSearch:
    case ReadKind::kSearchText:
    case ReadKind::kSearchSparse:
    case ReadKind::kRecommend:
    case ReadKind::kDiscover: {
      std::vector<ScoredPoint> points;
      RAGDB_RETURN_IF_ERROR(GetPoints(&in, &points));
      Append(std::move(points), &out->points);
      break;
    }
    case ReadKind::kTextStats: {
      text::CollectionStats stats;
      RAGDB_RETURN_IF_ERROR(GetStats(&in, &stats));
      AddStats(stats, &out->stats);
      break;
    }
    case ReadKind::kCount: {
      uint64_t n;
      if (!in.GetVarint(&n)) return Bad("truncated count");
      out->count += n;
      break;
    }
    case ReadKind::kScroll: {
      ScrollPage page;
      RAGDB_RETURN_IF_ERROR(GetScrollPage(&in, &page));
      if (a.scroll.order_by) {
        const bool numbers = std::all_of(page.order_values.begin(), page.order_values.end(),
                                         [](const Json& v) { return v.is_number(); });
        if (page.order_values.size() != page.records.size() || !numbers) {
          return Bad("an ordered scroll page needs a number per record");
        }
      }
      Append(std::move(page.records), &out->records);
      Append(std::move(page.order_values), &out->order_values);
      if (page.next_offset && (!out->next_offset || *page.next_offset < *out->next_offset)) {
        out->next_offset = std::move(page.next_offset);
      }
      break;
    }
    case ReadKind::kGet: {
      std::vector<Record> records;
      RAGDB_RETURN_IF_ERROR(GetRecords(&in, &records));
      Append(std::move(records), &out->records);
      break;
    }
    case ReadKind::kDescribe: {
      CollectionInfo info;
      RAGDB_RETURN_IF_ERROR(GetInfo(&in, &info));
      AddInfo(std::move(info), &out->info);
      break;
    }
    case ReadKind::kFacet: {
      std::vector<FacetHit> hits;
      RAGDB_RETURN_IF_ERROR(GetFacetHits(&in, &hits));
      Append(std::move(hits), &out->facets);
      break;
    }
    case ReadKind::kSample: {
      std::vector<Record> records;
      uint64_t population;
      RAGDB_RETURN_IF_ERROR(GetRecords(&in, &records));
      if (!in.GetVarint(&population)) return Bad("truncated sample");
      MergeSample(a, std::move(records), population, out);
      break;
    }
  }
  return ExpectEnd(in, "the read result");
}

// An ordered scroll's page: by value (descending when asked), equal values by id; the first
// `limit` of the union are the collection's (each shard gave its first `limit`).
void FinishOrderedScroll(const ReadArgs& a, ReadResult* out) {
  auto& recs = out->records;
  auto& values = out->order_values;
  if (values.size() != recs.size()) return;  // MergeEncoded refused such a page already
  const bool desc = a.scroll.order_by->descending;
  std::vector<size_t> order(recs.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const double vx = values[x].get<double>(), vy = values[y].get<double>();
    if (vx != vy) return desc ? vx > vy : vx < vy;
    return recs[x].id < recs[y].id;
  });
  if (order.size() > a.scroll.limit) order.resize(a.scroll.limit);
  std::vector<Record> sorted_recs;
  std::vector<Json> sorted_values;
  for (size_t i : order) {
    sorted_recs.push_back(std::move(recs[i]));
    sorted_values.push_back(std::move(values[i]));
  }
  recs = std::move(sorted_recs);
  values = std::move(sorted_values);
  out->next_offset.reset();
}

void Finish(const ReadArgs& a, ReadResult* out) {
  if (a.kind == ReadKind::kFacet) {
    out->facets = db::MergeFacetHits(out->facets);
    return;
  }
  if (a.kind == ReadKind::kScroll && a.scroll.order_by) return FinishOrderedScroll(a, out);
  if (a.kind == ReadKind::kSearch || a.kind == ReadKind::kSearchText ||
      a.kind == ReadKind::kSearchSparse || a.kind == ReadKind::kRecommend ||
      a.kind == ReadKind::kDiscover) {
    auto& pts = out->points;
    const size_t k = std::min(TopSize(a), pts.size());
    auto better = [lower = a.lower_is_better](const ScoredPoint& x, const ScoredPoint& y) {
      if (x.score != y.score) return lower ? x.score < y.score : x.score > y.score;
      return x.id < y.id;
    };
    std::partial_sort(pts.begin(), pts.begin() + k, pts.end(), better);
    pts.resize(k);
    return;
  }
  if (a.kind == ReadKind::kScroll) {
    // Each shard returned its first `limit` matches from the offset, so the first `limit` of
    // the union are the collection's; the next page starts at the smallest id left over.
    auto& recs = out->records;
    std::sort(recs.begin(), recs.end(),
              [](const Record& x, const Record& y) { return x.id < y.id; });
    if (recs.size() > a.scroll.limit) {
      const PointId& first_left = recs[a.scroll.limit].id;
      if (!out->next_offset || first_left < *out->next_offset) out->next_offset = first_left;
      recs.resize(a.scroll.limit);
    }
  }
}

void EncodeResult(const ReadArgs& a, const ReadResult& r, std::string* out) {
  switch (a.kind) {
    case ReadKind::kSearch:
    case ReadKind::kSearchText:
    case ReadKind::kSearchSparse:
    case ReadKind::kRecommend:
    case ReadKind::kDiscover:
      return PutPoints(r.points, out);
    case ReadKind::kTextStats:
      return PutStats(r.stats, out);
    case ReadKind::kCount:
      return PutVarint(out, r.count);
    case ReadKind::kScroll:
      return PutScrollPage({r.records, r.next_offset, r.order_values}, out);
    case ReadKind::kGet:
      return PutRecords(r.records, out);
    case ReadKind::kDescribe:
      return PutInfo(r.info, out);
    case ReadKind::kFacet:
      return PutFacetHits(r.facets, out);
    case ReadKind::kSample:
      PutRecords(r.records, out);
      return PutVarint(out, r.population);
  }
}

}  // namespace ragdb::cluster
