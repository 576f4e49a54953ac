// CollectionSchema: what a collection stores and how it is indexed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb {

// kHamming counts differing bits; it is the only metric of binary vectors, and only theirs.
enum class Metric { kCosine, kL2, kIp, kHamming };
// How a vector field stores its components. Vectors always arrive and leave as floats; a field
// keeps them as float32 (4 bytes per component), float16 (2), int8 (1, integers -128..127),
// uint8 (1, integers 0..255) or binary (1 bit, components 0 or 1, dim = number of bits).
enum class ElementType { kFloat32, kFloat16, kInt8, kBinary, kUint8 };
enum class IndexType { kFlat, kHnsw, kIvfFlat, kIvfPq };
// How an HNSW graph over float32 rows is walked: on the rows (kNone), or on compact codes with the
// final beam re-scored from the float rows: kSq8 one byte per component, kBinary one bit per
// component (Hamming distances; for high-dimensional embeddings), kPq one byte per sub-space of
// dim / pq_m components (product quantization: table lookups against 256 centroids per
// sub-space). The numbers are stored in index files: only ever append.
enum class Quantization { kNone, kSq8, kBinary, kPq };
// Payload index types. The numbers are stored in segment files: only ever append.
enum class PayloadType { kKeyword, kInteger, kFloat, kBool, kText, kGeo, kDatetime, kUuid };

std::string_view MetricName(Metric m);  // "cosine", "l2", "ip", "hamming"
Result<Metric> ParseMetric(std::string_view name);
// "float32", "float16", "int8", "binary", "uint8"
std::string_view ElementTypeName(ElementType t);
Result<ElementType> ParseElementType(std::string_view name);
std::string_view IndexTypeName(IndexType t);  // "flat", "hnsw", "ivf_flat", "ivf_pq"
Result<IndexType> ParseIndexType(std::string_view name);
std::string_view QuantizationName(Quantization q);  // "none", "sq8", "binary", "pq"
Result<Quantization> ParseQuantization(std::string_view name);
// "keyword", "integer", "float", "bool", "text", "geo", "datetime", "uuid"
std::string_view PayloadTypeName(PayloadType t);
Result<PayloadType> ParsePayloadType(std::string_view name);

struct IndexParams {
  IndexType type = IndexType::kFlat;  // default: exact search
  uint32_t m = 16;                    // HNSW links per node
  uint32_t ef_construction = 200;     // HNSW build beam width
  uint32_t nlist = 0;                 // IVF lists; 0 = about sqrt(rows)
  uint32_t pq_m = 0;                  // PQ sub-spaces (IVF-PQ, or HNSW with kPq); 0 = dim / 4
  Quantization quantization = Quantization::kNone;
  // A sealed segment whose vectors take fewer kilobytes than this stays exact (no index); 0 =
  // never build one (Qdrant's optimizers_config.indexing_threshold). Unset: segments of 1,024
  // rows or more get an index.
  std::optional<uint32_t> indexing_threshold_kb;
};

struct VectorField {
  std::string name;  // kDefaultVectorName ("") for the single unnamed vector
  uint32_t dim = 0;  // 1..kMaxDim
  Metric metric = Metric::kCosine;
  ElementType element_type = ElementType::kFloat32;
  IndexParams index;
  // Embedding function: "" = none; "hash" / "hash:DIM" (lexical, no weights) or a model folder.
  // A record that has text but no vector for this field gets one embedded from its text, and a
  // search may give text instead of a vector (SearchRequest::query_text).
  std::string embedder;

  static constexpr uint32_t kMaxDim = 65536;
};

// A multi-vector field (late interaction, as ColBERT and ColPali embed): each record holds a
// matrix, one `dim`-sized vector per token (or image patch), and a query is a matrix too. The
// score is MaxSim: the sum, over the query's vectors, of each one's best similarity (dot
// product, or cosine: vectors are stored unit length) to any of the record's vectors.
struct MultiVectorField {
  std::string name;                 // may be kDefaultVectorName when no dense field takes it
  uint32_t dim = 0;                 // 1..VectorField::kMaxDim
  Metric metric = Metric::kCosine;  // kCosine or kIp
  // "" = none, or "colbert:MODEL" (model.h, MultiVectorEmbedder): a record with text but no
  // matrix for this field gets one from its text, and a search may give text instead
  // (SearchRequest::query_text).
  std::string embedder;
  // kFlat (default): exact MaxSim over every row. kHnsw: sealed segments with at least 1,024
  // token vectors get an HNSW graph over the token vectors (m, ef_construction; the other
  // IndexParams do not apply); a search finds each query vector's nearest tokens, ranks their
  // rows by the similarities found, and scores the best ones exactly (docs/storage.md).
  IndexParams index;

  static constexpr uint32_t kMaxVectorsPerRecord = 8192;
};

struct SparseVectorField {
  std::string name;
  // Learned sparse embedding function: "" = none, or "splade:MODEL" (model.h, SparseEmbedder). A
  // record with text but no vector for this field gets one embedded from its text, and a sparse
  // search may give text instead of a vector (SparseSearchRequest::query_text).
  std::string embedder;
};

// BM25 parameters of a collection's text field (Lucene's defaults).
struct Bm25Config {
  float k1 = 1.2f;  // term-frequency saturation, >= 0
  float b = 0.75f;  // document-length normalization, 0..1
};

struct TextField {
  std::string analyzer = "standard";  // standard | whitespace | keyword | ngram
  // standard: Snowball stemmer ("english" = Porter2, "porter" = classic Porter) or "none".
  std::string stemmer = "english";
  // standard: drop Lucene's 33 English stop words. Off by default: stop words break phrase and
  // short queries ("the who") in a general-purpose database.
  bool stopwords = false;
  // ngram: gram lengths in code points.
  uint32_t min_gram = 2;
  uint32_t max_gram = 3;
  Bm25Config bm25;
};

struct PayloadIndexField {
  std::string path;  // dotted path into the payload, e.g. "meta.lang"
  PayloadType type = PayloadType::kKeyword;
};

struct CollectionSchema {
  std::vector<VectorField> vectors;
  std::vector<SparseVectorField> sparse_vectors;
  std::vector<MultiVectorField> multi_vectors;
  std::optional<TextField> text;  // set = records may carry "text", indexed for BM25
  std::vector<PayloadIndexField> payload_indexes;
  // Free-form data the application keeps with the collection (an object; Qdrant's collection
  // metadata). Not interpreted.
  Json metadata = Json::object();

  // Checks names, dimensions and duplicates; the message names the offending field.
  Status Validate() const;
  const VectorField* FindVector(std::string_view name) const;
  const MultiVectorField* FindMultiVector(std::string_view name) const;
  const PayloadIndexField* FindPayloadIndex(std::string_view path) const;

  Json ToJson() const;
  // Strict: unknown keys and wrong types are errors naming the key.
  static Result<CollectionSchema> FromJson(const Json& j);
};

}  // namespace ragdb
