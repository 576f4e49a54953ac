// Approximate vector indexes inside segment files: one section "index/<field>" per vector field
// whose schema asks for an index (HNSW, IVF-FLAT, IVF-PQ; optionally SQ8-quantized), built when a
// segment is written and opened in place from the mmapped file (src/index/vector_index.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/bitset.h"
#include "index/typed_rows.h"
#include "index/vector_index.h"
#include "ragdb/schema.h"
#include "ragdb/status.h"
#include "storage/segment_file.h"

namespace ragdb::db {

// Names of a vector field's sections in a segment file (docs/format-segment.md): its rows, which
// rows hold a vector, and its index.
inline std::string VectorSection(const std::string& field) { return "vec/" + field; }
inline std::string PresenceSection(const std::string& field) { return "has/" + field; }
inline std::string IndexSection(const std::string& field) { return "index/" + field; }

// Segments smaller than this are scanned exactly: an index would not pay for itself (a field may
// set its own size threshold instead, IndexParams::indexing_threshold_kb).
inline constexpr size_t kMinRowsForVectorIndex = 1024;

// Whether sealing `rows` rows of `field` builds an index (AddVectorIndexSection also skips
// segments where some rows lack the vector).
bool WillBuildVectorIndex(const VectorField& field, size_t rows);

// Builds the field's index over `column` (rows in the field's element type) and adds it as a
// section, when the schema
// asks for one and every row has a vector (rows without one would need a placeholder vector
// inside the graph; such segments stay exact until compaction fills them).
Status AddVectorIndexSection(const VectorField& field, const void* column, size_t rows,
                             const Bitset& present, storage::SegmentFileWriter* writer);

// Writes a copy of segment file `from` to `to` (atomically, see SegmentFileWriter) in which the
// index sections of the vector fields `fields` (indexes into schema.vectors) are built again for
// the schema's parameters, or left out where it asks for none. Every other section is copied.
Status RewriteVectorIndexes(const std::string& from, const std::string& to,
                            const CollectionSchema& schema, const std::vector<size_t>& fields);

// Opens the index sections of a segment (null entries for fields without one).
Result<std::vector<std::unique_ptr<index::VectorIndex>>> OpenVectorIndexes(
    const storage::SegmentFileReader& file, const CollectionSchema& schema,
    const std::vector<index::TypedRows>& columns, size_t rows);

}  // namespace ragdb::db
