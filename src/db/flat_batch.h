// Exact top-k for a batch of queries over one vector column. Distances are computed a block of
// rows at a time with one matrix product per block (OpenBLAS sgemm: q.x for ip and cosine,
// |x|^2 - 2 q.x for L2, |q|^2 being constant per query), so the column is read from memory once
// per batch instead of once per query — the lever Faiss uses for IndexFlat batches.
#pragma once

#include <vector>

#include "base/bitset.h"
#include "db/topk.h"
#include "ragdb/schema.h"

namespace ragdb::db {

// Adds the allowed rows of `column` (rows x dim; every row when `allowed` is null) to tops[i] for
// each of the nq queries (tops points to nq of them) (row-major nq x dim, already normalized for
// cosine). Rows [row_begin, row_end) only, so callers can split a column across threads.
void FlatBatchScan(const float* queries, size_t nq, const Segment* segment, const float* column,
                   size_t row_begin, size_t row_end, uint32_t dim, Metric metric,
                   const Bitset* allowed, TopK* tops);

// Sets OpenBLAS to one thread (callers split the work) and warms its buffers, once per process.
void SingleThreadedBlas();

}  // namespace ragdb::db
