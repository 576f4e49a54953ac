// SparseEmbedder: SPLADE over the masked-LM head of a BERT-family encoder (Transformer::
// SpladeWeights), and BGE-M3's lexical weights (a one-output linear head over each token's last
// hidden state), the weights kept as a sparse vector over token ids.
#include <algorithm>
#include <map>

#include "base/file.h"
#include "model/encoder_model.h"
#include "model/model_cache.h"
#include "model/torch_checkpoint.h"
#include "ragdb/model.h"

namespace ragdb {
namespace {

constexpr std::string_view kSplade = "splade:";
constexpr std::string_view kBgeM3 = "bge-m3-sparse:";
constexpr const char* kBgeM3Head = "sparse_linear.pt";

// Tokenizes `texts` and runs the encoder, handing each batch's hidden states to `consume`.
Status RunEncoder(const model::EncoderModel& m, std::span<const std::string> texts,
                  size_t batch_size, std::vector<model::Encoding>* enc,
                  const model::EncoderModel::BatchFn& consume) {
  enc->reserve(texts.size());
  for (const std::string& t : texts) {
    RAGDB_ASSIGN_OR_RETURN(auto e, m.tokenizer().Encode(t, m.max_length()));
    enc->push_back(std::move(e));
  }
  return m.Run(*enc, std::max<size_t>(1, batch_size), consume);
}

class SpladeEmbedder : public SparseEmbedder {
 public:
  static Result<std::unique_ptr<SparseEmbedder>> Load(const std::string& dir,
                                                      SparseEmbedderOptions opts) {
    auto e = std::unique_ptr<SpladeEmbedder>(new SpladeEmbedder());
    RAGDB_ASSIGN_OR_RETURN(e->model_,
                           model::EncoderModel::Load(dir, opts.max_length, opts.threads));
    if (!e->model_->transformer().has_mlm_head()) {
      return Status::InvalidArgument(
          dir +
          ": has no masked-LM head (config.json architectures *ForMaskedLM and the "
          "cls.predictions.* or lm_head.* tensors): SPLADE needs the vocabulary projection");
    }
    e->opts_ = opts;
    e->name_ = std::string(kSplade) + model::ModelFolderName(dir);
    return std::unique_ptr<SparseEmbedder>(std::move(e));
  }

  Result<std::vector<SparseVector>> Embed(std::span<const std::string> texts) const override {
    std::vector<model::Encoding> enc;
    std::vector<SparseVector> out(texts.size());
    RAGDB_RETURN_IF_ERROR(
        RunEncoder(*model_, texts, opts_.batch_size, &enc,
                   [&](const std::vector<size_t>& idx, const std::vector<float>& hidden,
                       const std::vector<size_t>& offsets) {
                     // The calling thread runs this after the batch's forward pass; the model's
                     // pool is idle meanwhile, but not reachable from here: the head runs on this
                     // thread.
                     auto weights = model_->transformer().SpladeWeights(hidden, offsets, nullptr);
                     for (size_t s = 0; s < idx.size(); ++s) {
                       SparseVector& v = out[idx[s]];
                       for (size_t t = 0; t < weights[s].size(); ++t) {
                         if (weights[s][t] > 0) {
                           v.indices.push_back(static_cast<uint32_t>(t));
                           v.values.push_back(weights[s][t]);
                         }
                       }
                     }
                   }));
    return out;
  }

  size_t vocab_size() const override { return static_cast<size_t>(model_->config().vocab_size); }
  std::string name() const override { return name_; }

 private:
  std::unique_ptr<model::EncoderModel> model_;
  SparseEmbedderOptions opts_;
  std::string name_;
};

// BGE-M3's lexical weights (FlagEmbedding's BGEM3 sparse head): weight(token) = relu(w . h + b)
// over the token's last hidden state; a text's weight for a token id is the largest over its
// tokens with that id, the special tokens excluded.
class BgeM3SparseEmbedder : public SparseEmbedder {
 public:
  static Result<std::unique_ptr<SparseEmbedder>> Load(const std::string& dir,
                                                      SparseEmbedderOptions opts) {
    auto e = std::unique_ptr<BgeM3SparseEmbedder>(new BgeM3SparseEmbedder());
    RAGDB_ASSIGN_OR_RETURN(e->model_,
                           model::EncoderModel::Load(dir, opts.max_length, opts.threads));
    const std::string head = JoinPath(dir, kBgeM3Head);
    if (!FileExists(head)) {
      return Status::InvalidArgument(dir + ": has no " + kBgeM3Head +
                                     " (BGE-M3's sparse head, as BAAI/bge-m3 ships it)");
    }
    RAGDB_ASSIGN_OR_RETURN(auto ckpt, model::TorchCheckpoint::Open(head));
    const int64_t hidden = e->model_->config().hidden_size;
    RAGDB_ASSIGN_OR_RETURN(e->weight_, ckpt->ReadF32("weight", {1, hidden}));
    RAGDB_ASSIGN_OR_RETURN(auto bias, ckpt->ReadF32("bias", {1}));
    e->bias_ = bias[0];
    // FlagEmbedding drops the tokenizer's cls, eos, pad and unk tokens.
    const model::Tokenizer& tok = e->model_->tokenizer();
    for (const char* t : {"<s>", "</s>", "<pad>", "<unk>", "[CLS]", "[PAD]", "[UNK]"}) {
      const int32_t id = tok.TokenToId(t);
      if (id >= 0) e->unused_.push_back(id);
    }
    e->opts_ = opts;
    e->name_ = std::string(kBgeM3) + model::ModelFolderName(dir);
    return std::unique_ptr<SparseEmbedder>(std::move(e));
  }

  Result<std::vector<SparseVector>> Embed(std::span<const std::string> texts) const override {
    std::vector<model::Encoding> enc;
    std::vector<SparseVector> out(texts.size());
    const size_t hidden = weight_.size();
    RAGDB_RETURN_IF_ERROR(
        RunEncoder(*model_, texts, opts_.batch_size, &enc,
                   [&](const std::vector<size_t>& idx, const std::vector<float>& states,
                       const std::vector<size_t>& offsets) {
                     for (size_t s = 0; s < idx.size(); ++s) {
                       const std::vector<int32_t>& ids = enc[idx[s]].ids;
                       std::map<int32_t, float> best;
                       for (size_t t = 0; t < ids.size(); ++t) {
                         if (std::find(unused_.begin(), unused_.end(), ids[t]) != unused_.end())
                           continue;
                         const float* x = &states[(offsets[s] + t) * hidden];
                         double acc = bias_;
                         for (size_t i = 0; i < hidden; ++i) acc += double(weight_[i]) * x[i];
                         const float w = static_cast<float>(acc);
                         if (w <= 0) continue;  // relu
                         float& b = best[ids[t]];
                         b = std::max(b, w);
                       }
                       SparseVector& v = out[idx[s]];
                       for (const auto& [id, w] : best) {
                         v.indices.push_back(static_cast<uint32_t>(id));
                         v.values.push_back(w);
                       }
                     }
                   }));
    return out;
  }

  size_t vocab_size() const override { return static_cast<size_t>(model_->config().vocab_size); }
  std::string name() const override { return name_; }

 private:
  std::unique_ptr<model::EncoderModel> model_;
  std::vector<float> weight_;  // [hidden]
  float bias_ = 0;
  std::vector<int32_t> unused_;
  SparseEmbedderOptions opts_;
  std::string name_;
};

}  // namespace

std::string_view SparseEmbedderKind(std::string_view spec) {
  for (std::string_view kind : {kSplade, kBgeM3}) {
    if (spec.starts_with(kind)) return kind;
  }
  return {};
}

Result<std::unique_ptr<SparseEmbedder>> SparseEmbedder::Load(const std::string& spec,
                                                             SparseEmbedderOptions options) {
  const std::string_view kind = SparseEmbedderKind(spec);
  const std::string base = spec.substr(kind.size());
  if (base.empty()) return Status::InvalidArgument("sparse embedder: empty model name");
  RAGDB_ASSIGN_OR_RETURN(std::string path, model::ResolveModelSpec(base));
  const bool bge_m3 = kind == kBgeM3 || (kind.empty() && FileExists(JoinPath(path, kBgeM3Head)));
  if (bge_m3) return BgeM3SparseEmbedder::Load(path, options);
  return SpladeEmbedder::Load(path, options);
}

}  // namespace ragdb
