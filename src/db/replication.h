// A narrow internal hook for the cluster layer (src/cluster/), which keeps a shard's data as one
// local collection per copy and ships its writes and files through object storage. Nothing here
// knows about clusters: these are the pieces of the write path, checkpoints and BM25 statistics
// that a caller needs in order to
//   - prepare a write once (validate, embed, normalize) and apply the very same records on every
//     copy (PrepareRecords + UpsertPrepared: no copy re-normalizes, so all copies hold equal
//     bits, and equal to a single node given the same input);
//   - copy a collection's files at a consistent point (CheckpointFiles);
//   - score BM25 with statistics summed over several collections (TextStatistics +
//     SearchTextWithStats), so that a query over many shards ranks as one collection would;
//   - re-rank for diversity (MMR) candidates gathered from several collections, and sum facet
//     counts of several collections in the order one collection gives them.
// Every function fails with InvalidArgument for a Collection that is not a local one.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "ragdb/database.h"
#include "text/bm25.h"

namespace ragdb::db {

// What Upsert would store for `records`: validated, embedded, cosine vectors at unit length.
Result<std::vector<Record>> PrepareRecords(const Collection& c, std::span<const Record> records);
// Stores records PrepareRecords returned (possibly on another copy), durable on return.
Status UpsertPrepared(Collection& c, std::vector<Record> records);

// Seals the growing segment and writes a checkpoint (as Optimize does, without merging), then
// returns the names of the files that make up the collection, relative to `dir`: the manifest,
// segment and tombstone files, and the fresh (empty) log. The files stay as they are until the
// next write to the collection.
struct CheckpointFileList {
  std::string dir;
  std::vector<std::string> files;
};
Result<CheckpointFileList> CheckpointFiles(Collection& c);

// BM25 statistics of the collection for a text query's terms (as TextSearchRequest parses it).
Result<text::CollectionStats> TextStatistics(const Collection& c, const TextSearchRequest& request);
// SearchText with the given statistics in place of the collection's own.
Result<std::vector<ScoredPoint>> SearchTextWithStats(const Collection& c,
                                                     const TextSearchRequest& request,
                                                     const text::CollectionStats& stats);

// Search with request.mmr set, in two steps: the candidates' request (the nearest
// mmr.candidates, or k + offset, with the field's vectors; no MMR), checked against `schema`
// (`collection` names it in errors); then the page MMR picks among the candidates found (best
// first, over all the collections), as one collection's Search returns it.
Result<SearchRequest> MmrCandidatesRequest(const CollectionSchema& schema,
                                           const std::string& collection,
                                           const SearchRequest& request);
std::vector<ScoredPoint> SelectMmr(const CollectionSchema& schema, const SearchRequest& request,
                                   std::vector<ScoredPoint> candidates);

// Facet counts of several collections (each with every value: FacetRequest::limit unbounded)
// summed by value and ordered as Facet orders them (count descending, then the value order).
std::vector<FacetHit> MergeFacetHits(std::span<const FacetHit> hits);

}  // namespace ragdb::db
