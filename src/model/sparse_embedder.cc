// SparseEmbedder: SPLADE over the masked-LM head of a BERT-family encoder (Transformer::
// SpladeWeights), the weights kept as a sparse vector over token ids.
#include "model/encoder_model.h"
#include "model/model_cache.h"
#include "ragdb/model.h"

namespace ragdb {
namespace {

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
    std::string d = dir;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    e->name_ = "splade:" + d.substr(d.rfind('/') == std::string::npos ? 0 : d.rfind('/') + 1);
    return std::unique_ptr<SparseEmbedder>(std::move(e));
  }

  Result<std::vector<SparseVector>> Embed(std::span<const std::string> texts) const override {
    std::vector<model::Encoding> enc;
    enc.reserve(texts.size());
    for (const std::string& t : texts) {
      RAGDB_ASSIGN_OR_RETURN(auto e, model_->tokenizer().Encode(t, model_->max_length()));
      enc.push_back(std::move(e));
    }
    std::vector<SparseVector> out(texts.size());
    RAGDB_RETURN_IF_ERROR(
        model_->Run(enc, std::max<size_t>(1, opts_.batch_size),
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

}  // namespace

Result<std::unique_ptr<SparseEmbedder>> SparseEmbedder::Load(const std::string& spec,
                                                             SparseEmbedderOptions options) {
  std::string base = spec.starts_with("splade:") ? spec.substr(7) : spec;
  if (base.empty()) return Status::InvalidArgument("sparse embedder: empty model name");
  RAGDB_ASSIGN_OR_RETURN(std::string path, model::ResolveModelSpec(base));
  return SpladeEmbedder::Load(path, options);
}

}  // namespace ragdb
