#include "model/encoder_model.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

#include "base/file.h"
#include "model/kernels.h"
#include "model/safetensors.h"

namespace ragdb::model {

Result<std::unique_ptr<EncoderModel>> EncoderModel::Load(const std::string& dir, size_t max_length,
                                                         size_t threads,
                                                         WeightQuantization quantization) {
  InitBlas();
  auto m = std::make_unique<EncoderModel>();
  m->dir_ = dir;
  RAGDB_ASSIGN_OR_RETURN(m->cfg_, LoadModelConfig(dir));
  RAGDB_ASSIGN_OR_RETURN(m->tokenizer_, Tokenizer::Load(dir, m->cfg_.arch));
  const std::string weights = JoinPath(dir, "model.safetensors");
  if (!FileExists(weights)) {
    return Status::NotFound(weights + " not found (only safetensors weights are supported)");
  }
  {
    RAGDB_ASSIGN_OR_RETURN(auto st, SafeTensors::Open(weights));
    RAGDB_ASSIGN_OR_RETURN(m->transformer_, Transformer::Load(*st, m->cfg_, quantization));
  }  // the mapping is released: weights now live as f32 copies
  size_t limit = static_cast<size_t>(m->cfg_.max_position_embeddings - m->cfg_.position_offset());
  if (size_t t = m->tokenizer_->model_max_length(); t > 0) limit = std::min(limit, t);
  // sentence-transformers truncates at its own max_seq_length (256 for all-MiniLM-L6-v2).
  if (std::string p = JoinPath(dir, "sentence_bert_config.json"); FileExists(p)) {
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(p));
    try {
      auto j = nlohmann::json::parse(text);
      if (auto it = j.find("max_seq_length");
          it != j.end() && it->is_number_integer() && it->get<int64_t>() > 0) {
        limit = std::min(limit, it->get<size_t>());
      }
    } catch (const nlohmann::json::exception& e) {
      return Status::InvalidArgument(p + ": not valid JSON: " + e.what());
    }
  }
  m->max_length_ = max_length > 0 ? std::min(max_length, limit) : limit;
  if (threads == 0) threads = ThreadPool::HardwareThreads();
  if (threads > 1) m->pool_ = std::make_unique<ThreadPool>(threads - 1);
  return m;
}

Status EncoderModel::Run(const std::vector<Encoding>& encodings, size_t batch_size,
                         const BatchFn& consume) const {
  if (batch_size == 0) batch_size = 1;
  // Length bucketing: similar lengths share a batch, so per-head attention work is balanced and
  // (in the packed layout) there is never padding to compute.
  std::vector<size_t> order(encodings.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return encodings[a].ids.size() > encodings[b].ids.size();
  });
  std::vector<float> hidden;
  std::vector<size_t> offsets;
  std::vector<const Encoding*> batch;
  std::vector<size_t> indices;
  for (size_t start = 0; start < order.size(); start += batch_size) {
    size_t end = std::min(order.size(), start + batch_size);
    batch.clear();
    indices.assign(order.begin() + start, order.begin() + end);
    for (size_t i : indices) batch.push_back(&encodings[i]);
    RAGDB_RETURN_IF_ERROR(transformer_->Forward(batch, &hidden, &offsets, pool_.get()));
    consume(indices, hidden, offsets);
  }
  return Status::Ok();
}

}  // namespace ragdb::model
