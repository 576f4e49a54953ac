#include "db/vector_segment_index.h"

#include "base/thread_pool.h"

namespace ragdb::db {
namespace {

std::string IndexSection(const std::string& field) { return "index/" + field; }

}  // namespace

Status AddVectorIndexSection(const VectorField& field, const void* column, size_t rows,
                             const Bitset& present, storage::SegmentFileWriter* writer) {
  if (!WillBuildVectorIndex(field, rows)) return Status::Ok();
  if (present.Count() != rows) return Status::Ok();
  ThreadPool pool;  // one thread per core: index building is the slow part of sealing
  auto built = index::BuildIndex(index::IndexConfig::FromSchema(field), column, rows, &pool);
  if (!built.ok()) {
    return built.status().WithContext("building the " +
                                      std::string(IndexTypeName(field.index.type)) +
                                      " index of vector field '" + field.name + "'");
  }
  std::string bytes;
  RAGDB_RETURN_IF_ERROR((*built)->Serialize(&bytes));
  return writer->AddSection(IndexSection(field.name), bytes);
}

Result<std::vector<std::unique_ptr<index::VectorIndex>>> OpenVectorIndexes(
    const storage::SegmentFileReader& file, const CollectionSchema& schema,
    const std::vector<index::TypedRows>& columns, size_t rows) {
  std::vector<std::unique_ptr<index::VectorIndex>> out(schema.vectors.size());
  for (size_t f = 0; f < schema.vectors.size(); ++f) {
    std::string name = IndexSection(schema.vectors[f].name);
    if (!file.Has(name)) continue;
    RAGDB_ASSIGN_OR_RETURN(std::string_view bytes, file.Section(name));
    // The segment layer has verified the section's checksum already.
    index::OpenOptions options;
    options.verify_checksums = false;
    auto index = index::OpenIndex(bytes, columns[f].data, rows, options);
    if (!index.ok()) return index.status().WithContext(file.path() + ": section '" + name + "'");
    if ((*index)->element_type() != schema.vectors[f].element_type) {
      return Status::Corruption(file.path() + ": section '" + name + "' indexes " +
                                std::string(ElementTypeName((*index)->element_type())) +
                                " rows, the field stores " +
                                std::string(ElementTypeName(schema.vectors[f].element_type)));
    }
    out[f] = std::move(index).value();
  }
  return out;
}

}  // namespace ragdb::db
