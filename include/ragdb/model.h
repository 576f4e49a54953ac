// Built-in models: text embedders and cross-encoder rerankers that run in-process.
//
// Embedder::Load accepts either
//   * a default model's short name: "bge-small-en-v1.5" (BAAI/bge-small-en-v1.5, English) or
//     "multilingual-e5-small" (intfloat/multilingual-e5-small, ~100 languages). It is pulled
//     into the model cache on first use (a progress bar on stderr when it is a terminal) and
//     gets the query / passage prompts it was trained with;
//   * an installed model's name ("BAAI/bge-base-en-v1.5" after `ragdb model pull`); a name that
//     is not installed fails with NotFound saying to run `ragdb model pull NAME`;
//   * a model folder in Hugging Face format (config.json, model.safetensors, and tokenizer.json
//     and/or vocab.txt / sentencepiece.bpe.model) of a BERT or XLM-RoBERTa encoder
//     (all-MiniLM-L6-v2, bge-*, e5, multilingual-e5, bge-m3, ...), or
//   * a decoder model (Qwen3-Embedding class): a .gguf file or folder, or a Hugging Face folder
//     of a qwen3 / qwen2 / llama / mistral model with model.safetensors and a byte-level BPE
//     tokenizer.json, run by the decoder runtime with last-token (default) or mean pooling, or
//   * "hash" / "hash:DIM": a lexical feature-hashing embedder (words + character 3-grams). It needs
//     no files and is deterministic, but it is NOT semantic: it only matches shared words and
//     spellings, or
//   * "clip:MODEL" (or a folder whose config.json says model_type "clip"): a CLIP dual encoder in
//     Hugging Face layout (openai/clip-vit-base-patch32). Embed() runs the text tower and
//     EmbedImages() the vision tower, both into the same space, so text finds images and images
//     find images (docs/models.md#clip).
// Reranker::Load accepts a folder or installed name holding a BertForSequenceClassification or
// XLMRobertaForSequenceClassification cross-encoder (e.g. bge-reranker-v2-m3); embedders and
// "hash" are refused (they cannot score a query against a document).
//
// Weights are read from safetensors (f32, f16 or bf16) through mmap and kept as f32 in memory,
// or, with WeightQuantization::kInt8, the encoder layers' linear weights as int8 (docs/models.md).
// Inference is multithreaded over the caller's core budget (`threads`); OpenBLAS runs with one
// thread per call so the two never oversubscribe. Embed and Score are thread-safe.
//
// Tokenization follows the folder's Hugging Face tokenizer (WordPiece or Unigram from
// tokenizer.json, else vocab.txt, else sentencepiece.bpe.model with fairseq ids). Known
// approximations: the "Precompiled" normalizer of SentencePiece-converted tokenizers is replaced
// by ICU NFKC plus nmt_nfkc's control-character rules, and special-token strings typed inside a
// text ("[SEP]", "<mask>") are tokenized as plain text, not as the special token.
// The token limit is the smallest of max_position_embeddings (minus XLM-R's offset),
// tokenizer_config.json model_max_length, sentence_bert_config.json max_seq_length and the
// caller's max_length.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/record.h"
#include "ragdb/status.h"

namespace ragdb {

enum class Pooling {
  kAuto,  // sentence-transformers 1_Pooling/config.json when present, else mean
  kMean,  // mean of the last hidden states over the attention mask
  kCls,   // the first token's last hidden state
  kLast,  // the last token's (decoder embedders, after the EOS they append; their default)
};

// Weights of the encoder layers' linear maps (attention QKV and output, FFN in and out).
// kInt8: quantized at load time (7-bit symmetric, one scale per output channel), activations
// quantized per token at run time, int32 products; about 4x less weight memory and faster on
// AVX2, at a small accuracy cost (docs/models.md has the measured loss). Embeddings, LayerNorm
// and classifier heads stay f32. Ignored by the hash embedder.
enum class WeightQuantization {
  kNone,  // f32 weights (the default)
  kInt8,
};

// "none" / "f32" / "int8" (as the CLI's --quantize takes them).
Result<WeightQuantization> ParseWeightQuantization(const std::string& name);

// A model spec may end in "@int8" ("BAAI/bge-small-en-v1.5@int8", "/models/minilm@int8"): the
// model then loads with int8 weights, wherever only a name can be given (a collection's or a
// knowledge base's embedder, the server's `model` fields). Removes the suffix and returns true
// when present.
bool StripInt8Suffix(std::string* spec);

struct EmbedderOptions {
  Pooling pooling = Pooling::kAuto;
  bool normalize = true;   // L2-normalize every embedding
  size_t max_length = 0;   // tokens, specials included; 0 = the model's maximum
  size_t threads = 0;      // 0 = one per hardware core
  size_t batch_size = 32;  // texts per forward pass (texts are sorted by length first)
  WeightQuantization quantization = WeightQuantization::kNone;
  // Put before every query / document text. Unset: a default model's own prompts, else the
  // folder's config_sentence_transformers.json "prompts" ("query", "document" or "passage").
  std::optional<std::string> query_prompt;
  std::optional<std::string> document_prompt;
};

// "auto" as an embedder spec: resolved once, when a collection or knowledge base is created,
// to the default model suited to its first texts; the result is what gets recorded.
inline constexpr char kAutoEmbedder[] = "auto";

struct AutoEmbedder {
  std::string spec;      // a default model's short name, or "hash" when it could not be pulled
  std::string fallback;  // why the default could not be used; empty when it is used
};

// Chooses the default embedder for texts like `sample`: multilingual-e5-small when at least a
// fifth of its letters are not Latin script (Chinese, Japanese, Cyrillic, ...), else
// bge-small-en-v1.5; pulls it when it is not installed. When it cannot be pulled (offline, hub
// down), returns "hash" with the reason, for the caller to tell the user.
AutoEmbedder ResolveAutoEmbedder(std::string_view sample);

class Embedder {
 public:
  virtual ~Embedder() = default;

  // `spec` is a default model's short name, an installed name or a model folder (each optionally
  // ending in "@int8"), "hash" or "hash:DIM".
  static Result<std::unique_ptr<Embedder>> Load(const std::string& spec,
                                                EmbedderOptions options = {});

  // One vector of dim() floats per text, in input order. `is_query` prepends the model's query
  // prompt (config_sentence_transformers.json "prompts"."query") when the folder has one.
  // Texts must be valid UTF-8.
  virtual Result<std::vector<std::vector<float>>> Embed(std::span<const std::string> texts,
                                                        bool is_query = false) const = 0;
  // True for image-text models (CLIP): EmbedImages then works.
  virtual bool embeds_images() const { return false; }
  // One vector per image, in the space of Embed()'s text vectors. Each string holds the bytes
  // of an encoded PNG, JPEG, WebP or TIFF (first page) file. An undecodable image fails the call
  // with a message naming its index. Unimplemented unless embeds_images().
  virtual Result<std::vector<std::vector<float>>> EmbedImages(
      std::span<const std::string> images) const {
    return Status::Unimplemented("embedder '" + name() + "' does not embed images");
  }
  virtual size_t dim() const = 0;
  // Longest input in tokens (specials included); longer inputs are truncated. 0 = unlimited.
  virtual size_t max_length() const = 0;
  // "hash:256" or the model folder's name, for logs and metadata.
  virtual std::string name() const = 0;
};

// Feature hashing of lowercased words and character 3-grams of " word " (signed hashing with a
// 64-bit FNV-1a hash, then L2 normalization). Lexical, not semantic.
class HashEmbedder : public Embedder {
 public:
  static constexpr size_t kDefaultDim = 256;
  explicit HashEmbedder(size_t dim = kDefaultDim) : dim_(dim) {}

  Result<std::vector<std::vector<float>>> Embed(std::span<const std::string> texts,
                                                bool is_query = false) const override;
  size_t dim() const override { return dim_; }
  size_t max_length() const override { return 0; }
  std::string name() const override { return "hash:" + std::to_string(dim_); }

 private:
  size_t dim_;
};

// Learned sparse embeddings: one weight per vocabulary entry, the non-zero weights a sparse
// vector over token ids, for a sparse vector field and dot-product search. Two kinds of model:
//  - "splade:MODEL", a BERT-family masked-LM model (config architectures *ForMaskedLM, the
//    Hugging Face layout of naver/splade-* models): w[v] = max over tokens of
//    log(1 + relu(logit[v])) of the per-token vocabulary logits;
//  - "bge-m3-sparse:MODEL", BGE-M3's lexical weights (the BAAI/bge-m3 folder: an XLM-R encoder
//    and the head sparse_linear.pt, a PyTorch checkpoint): each token's weight is
//    relu(w . h + b) of its last hidden state, w[id] the max over the text's tokens with that
//    id, the special tokens (<s>, </s>, <pad>, <unk>) left out.
struct SparseEmbedderOptions {
  size_t max_length = 0;  // tokens, specials included; 0 = the model's maximum
  size_t threads = 0;     // 0 = one per hardware core
  size_t batch_size = 8;  // the vocabulary logits are tokens x vocab_size floats per sequence
};

// The prefixes naming a sparse embedder ("splade:", "bge-m3-sparse:"); "" when `spec` has none.
std::string_view SparseEmbedderKind(std::string_view spec);

class SparseEmbedder {
 public:
  virtual ~SparseEmbedder() = default;
  // `spec`: "splade:MODEL", "bge-m3-sparse:MODEL", or MODEL (an installed model's name or a model
  // folder: BGE-M3's head when the folder has sparse_linear.pt, else SPLADE).
  static Result<std::unique_ptr<SparseEmbedder>> Load(const std::string& spec,
                                                      SparseEmbedderOptions options = {});
  // One sparse vector per text (indices ascending, values > 0), in input order. Queries and
  // documents are encoded alike.
  virtual Result<std::vector<SparseVector>> Embed(std::span<const std::string> texts) const = 0;
  virtual size_t vocab_size() const = 0;
  virtual std::string name() const = 0;  // the kind's prefix and the model folder's name
};

// Late-interaction embeddings (ColBERT): a BERT encoder and a linear head (the Hugging Face layout
// of colbert-ir/colbertv2.0: config architectures HF_ColBERT, "bert.*" and "linear.weight"
// tensors, and artifact.metadata for the lengths and markers) give one unit vector per token, for
// a multi-vector field scored by MaxSim. As ColBERT does: a document is "[CLS] [D] tokens [SEP]"
// (doc_maxlen tokens at most) and keeps the vectors of its non-punctuation tokens; a query is
// "[CLS] [Q] tokens [SEP]" padded with [MASK] to query_maxlen tokens (the padding is not attended
// to, but its vectors are kept: query augmentation).
struct MultiVectorEmbedderOptions {
  size_t threads = 0;  // 0 = one per hardware core
  size_t batch_size = 16;
};

class MultiVectorEmbedder {
 public:
  virtual ~MultiVectorEmbedder() = default;
  // `spec`: "colbert:MODEL" or MODEL, an installed model's name or a model folder.
  static Result<std::unique_ptr<MultiVectorEmbedder>> Load(const std::string& spec,
                                                           MultiVectorEmbedderOptions options = {});
  // One matrix per text, in input order.
  virtual Result<std::vector<MultiVector>> EmbedDocuments(
      std::span<const std::string> texts) const = 0;
  virtual Result<MultiVector> EmbedQuery(const std::string& text) const = 0;
  virtual size_t dim() const = 0;
  virtual std::string name() const = 0;  // "colbert:" and the model folder's name
};

struct RerankerOptions {
  size_t max_length = 0;  // tokens for query + document + specials; 0 = the model's maximum
  size_t threads = 0;     // 0 = one per hardware core
  size_t batch_size = 32;
  bool sigmoid = false;  // map the logit through 1 / (1 + e^-x) (sentence-transformers' default)
  WeightQuantization quantization = WeightQuantization::kNone;
};

class Reranker {
 public:
  virtual ~Reranker() = default;
  static Result<std::unique_ptr<Reranker>> Load(const std::string& dir,
                                                RerankerOptions options = {});

  // One relevance score per document, in input order: the classifier logit (the last label's
  // when the model has several), higher = more relevant. Pairs longer than max_length are
  // truncated longest-first, like Hugging Face's default.
  virtual Result<std::vector<float>> Score(const std::string& query,
                                           std::span<const std::string> docs) const = 0;
  virtual size_t max_length() const = 0;
};

}  // namespace ragdb
