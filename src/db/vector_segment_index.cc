#include "db/vector_segment_index.h"

#include <algorithm>
#include <cstring>

#include "base/thread_pool.h"
#include "simd/elements.h"

namespace ragdb::db {

bool WillBuildVectorIndex(const VectorField& field, size_t rows) {
  if (field.index.type == IndexType::kFlat) return false;
  if (const auto& threshold_kb = field.index.indexing_threshold_kb) {
    const uint64_t kb = rows * simd::ElementRowBytes(field.element_type, field.dim) / 1024;
    return *threshold_kb != 0 && kb >= *threshold_kb;
  }
  return rows >= kMinRowsForVectorIndex;
}

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

Status RewriteVectorIndexes(const std::string& from, const std::string& to,
                            const CollectionSchema& schema, const std::vector<size_t>& fields) {
  // Sections were verified when the segment was opened; a copy keeps its bytes and checksums.
  RAGDB_ASSIGN_OR_RETURN(auto reader, storage::SegmentFileReader::Open(from, /*verify=*/false));
  const size_t rows = reader->rows();
  RAGDB_ASSIGN_OR_RETURN(auto writer, storage::SegmentFileWriter::Create(to, rows));
  std::vector<std::string> rebuilt;
  for (size_t f : fields) rebuilt.push_back(IndexSection(schema.vectors[f].name));
  for (const std::string& name : reader->SectionNames()) {
    if (std::find(rebuilt.begin(), rebuilt.end(), name) != rebuilt.end()) continue;
    RAGDB_ASSIGN_OR_RETURN(std::string_view bytes, reader->Section(name));
    RAGDB_RETURN_IF_ERROR(writer->AddSection(name, bytes));
  }
  for (size_t f : fields) {
    const VectorField& field = schema.vectors[f];
    RAGDB_ASSIGN_OR_RETURN(std::string_view column, reader->Section(VectorSection(field.name)));
    RAGDB_ASSIGN_OR_RETURN(std::string_view has, reader->Section(PresenceSection(field.name)));
    Bitset present(rows);
    if (has.size() != present.words().size() * 8) {
      return Status::Corruption(from + ": vector presence of '" + field.name +
                                "' has the wrong size");
    }
    std::memcpy(present.mutable_words().data(), has.data(), has.size());
    RAGDB_RETURN_IF_ERROR(AddVectorIndexSection(field, column.data(), rows, present, writer.get()));
  }
  return writer->Finish();
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
