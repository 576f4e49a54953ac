#include "index/vector_index.h"

#include "base/thread_pool.h"
#include "index/flat.h"
#include "index/format.h"
#include "index/hnsw.h"
#include "index/ivf.h"

namespace ragdb::index {

void VectorIndex::SearchBatch(const float* queries, size_t nq, size_t k, const SearchParams& params,
                              const Bitset* allowed, ThreadPool* pool,
                              std::vector<std::vector<Neighbor>>* out) const {
  out->assign(nq, {});
  SearchParams p = params;
  p.stats = nullptr;  // one stats object cannot be shared by parallel queries
  auto run = [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) (*out)[i] = Search(queries + i * dim(), k, p, allowed);
  };
  if (pool != nullptr)
    pool->ParallelFor(nq, 16, run);
  else
    run(0, nq);
}

Status VectorIndex::Add(const float*, size_t, ThreadPool*) {
  return Status::Unimplemented("this index type cannot add rows in place; rebuild it");
}

IndexConfig IndexConfig::FromSchema(const VectorField& field) {
  IndexConfig c;
  switch (field.index.type) {
    case IndexType::kFlat:
      c.kind = IndexKind::kFlat;
      break;
    case IndexType::kHnsw:
      c.kind = IndexKind::kHnsw;
      break;
    case IndexType::kIvfFlat:
      c.kind = IndexKind::kIvfFlat;
      break;
    case IndexType::kIvfPq:
      c.kind = IndexKind::kIvfPq;
      break;
  }
  c.metric = field.metric;
  c.dim = field.dim;
  c.element_type = field.element_type;
  c.m = field.index.m;
  c.ef_construction = field.index.ef_construction;
  c.nlist = field.index.nlist;
  c.pq_m = field.index.pq_m;
  c.quantization = field.index.quantization;
  return c;
}

Result<std::unique_ptr<VectorIndex>> BuildIndex(const IndexConfig& config, const void* vectors,
                                                size_t n, ThreadPool* pool) {
  switch (config.kind) {
    case IndexKind::kFlat: {
      RAGDB_ASSIGN_OR_RETURN(
          auto f, FlatIndex::Create(config.metric, config.element_type, config.dim, vectors, n));
      return std::unique_ptr<VectorIndex>(std::move(f));
    }
    case IndexKind::kHnsw: {
      RAGDB_ASSIGN_OR_RETURN(auto h, HnswIndex::Build(config, vectors, n, pool));
      return std::unique_ptr<VectorIndex>(std::move(h));
    }
    case IndexKind::kIvfFlat:
    case IndexKind::kIvfPq: {
      if (config.element_type != ElementType::kFloat32) {
        return Status::Unimplemented("IVF indexes need float32 rows");
      }
      RAGDB_ASSIGN_OR_RETURN(auto v,
                             IvfIndex::Build(config, static_cast<const float*>(vectors), n, pool));
      return std::unique_ptr<VectorIndex>(std::move(v));
    }
  }
  return Status::InvalidArgument("unknown index kind");
}

Result<std::unique_ptr<VectorIndex>> OpenIndex(std::string_view bytes, const void* vectors,
                                               size_t n, const OpenOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(IndexKind kind, BlobReader::PeekKind(bytes));
  switch (kind) {
    case IndexKind::kFlat: {
      RAGDB_ASSIGN_OR_RETURN(auto f, FlatIndex::Open(bytes, vectors, n, options));
      return std::unique_ptr<VectorIndex>(std::move(f));
    }
    case IndexKind::kHnsw: {
      RAGDB_ASSIGN_OR_RETURN(auto h, HnswIndex::Open(bytes, vectors, n, options));
      return std::unique_ptr<VectorIndex>(std::move(h));
    }
    case IndexKind::kIvfFlat:
    case IndexKind::kIvfPq: {
      RAGDB_ASSIGN_OR_RETURN(
          auto v, IvfIndex::Open(bytes, kind, static_cast<const float*>(vectors), n, options));
      return std::unique_ptr<VectorIndex>(std::move(v));
    }
  }
  return Status::Corruption("unknown index kind");
}

}  // namespace ragdb::index
