// MultiVectorEmbedder: ColBERT (Khattab & Zaharia, 2020; v2, Santhanam et al., 2022) over the
// BERT encoder: the last hidden states through a bias-free linear map, each row scaled to unit
// length. Lengths, markers and punctuation masking follow the checkpoint's artifact.metadata.
#include <cmath>
#include <string_view>

#include "base/file.h"
#include "model/encoder_model.h"
#include "model/model_cache.h"
#include "model/safetensors.h"
#include "ragdb/json.h"
#include "ragdb/model.h"

namespace ragdb {
namespace {

// ColBERT's settings (its ColBERTConfig), read from artifact.metadata when the folder has one.
struct ColbertSettings {
  size_t query_maxlen = 32;
  size_t doc_maxlen = 180;
  std::string query_marker = "[unused0]";
  std::string doc_marker = "[unused1]";
  bool mask_punctuation = true;
  bool attend_to_mask_tokens = false;
};

Result<ColbertSettings> ReadSettings(const std::string& dir) {
  ColbertSettings s;
  const std::string path = JoinPath(dir, "artifact.metadata");
  if (!FileExists(path)) return s;
  RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::InvalidArgument(path + ": not a JSON object");
  auto uint_field = [&](const char* key, size_t* out) -> Status {
    if (!j.contains(key) || j[key].is_null()) return Status::Ok();
    if (!j[key].is_number_unsigned() || j[key].get<uint64_t>() < 4) {
      return Status::InvalidArgument(path + ": " + key + " must be an integer >= 4");
    }
    *out = j[key].get<size_t>();
    return Status::Ok();
  };
  RAGDB_RETURN_IF_ERROR(uint_field("query_maxlen", &s.query_maxlen));
  RAGDB_RETURN_IF_ERROR(uint_field("doc_maxlen", &s.doc_maxlen));
  if (j.contains("query_token_id") && j["query_token_id"].is_string()) {
    s.query_marker = j["query_token_id"].get<std::string>();
  }
  if (j.contains("doc_token_id") && j["doc_token_id"].is_string()) {
    s.doc_marker = j["doc_token_id"].get<std::string>();
  }
  if (j.contains("mask_punctuation") && j["mask_punctuation"].is_boolean()) {
    s.mask_punctuation = j["mask_punctuation"].get<bool>();
  }
  if (j.contains("attend_to_mask_tokens") && j["attend_to_mask_tokens"].is_boolean()) {
    s.attend_to_mask_tokens = j["attend_to_mask_tokens"].get<bool>();
  }
  return s;
}

class ColbertEmbedder : public MultiVectorEmbedder {
 public:
  static Result<std::unique_ptr<MultiVectorEmbedder>> Load(const std::string& dir,
                                                           MultiVectorEmbedderOptions opts) {
    auto e = std::unique_ptr<ColbertEmbedder>(new ColbertEmbedder());
    RAGDB_ASSIGN_OR_RETURN(e->settings_, ReadSettings(dir));
    RAGDB_ASSIGN_OR_RETURN(e->model_, model::EncoderModel::Load(dir, 0, opts.threads));
    const size_t hidden = static_cast<size_t>(e->model_->config().hidden_size);
    {
      RAGDB_ASSIGN_OR_RETURN(auto st, model::SafeTensors::Open(JoinPath(dir, "model.safetensors")));
      const model::TensorInfo* head = st->Find("linear.weight");
      if (head == nullptr || head->shape.size() != 2) {
        return Status::InvalidArgument(dir +
                                       ": no ColBERT head (a 2-d tensor linear.weight of "
                                       "[dim x hidden])");
      }
      e->dim_ = static_cast<size_t>(head->shape[0]);
      RAGDB_ASSIGN_OR_RETURN(
          e->head_, st->ReadF32("linear.weight",
                                {static_cast<int64_t>(e->dim_), static_cast<int64_t>(hidden)}));
    }
    const model::Tokenizer& tok = e->model_->tokenizer();
    e->query_marker_ = tok.TokenToId(e->settings_.query_marker);
    e->doc_marker_ = tok.TokenToId(e->settings_.doc_marker);
    e->mask_ = tok.TokenToId("[MASK]");
    if (e->query_marker_ < 0 || e->doc_marker_ < 0 || e->mask_ < 0) {
      return Status::InvalidArgument(dir + ": the vocabulary lacks " + e->settings_.query_marker +
                                     ", " + e->settings_.doc_marker + " or [MASK]");
    }
    if (e->settings_.mask_punctuation) {
      for (char c : std::string_view("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")) {
        auto ids = tok.Tokenize(std::string(1, c));
        if (ids.ok() && !ids->empty()) e->skip_.push_back((*ids)[0]);
      }
    }
    const size_t limit = e->model_->max_length();
    e->settings_.query_maxlen = std::min(e->settings_.query_maxlen, limit);
    e->settings_.doc_maxlen = std::min(e->settings_.doc_maxlen, limit);
    e->opts_ = opts;
    e->name_ = "colbert:" + model::ModelFolderName(dir);
    return std::unique_ptr<MultiVectorEmbedder>(std::move(e));
  }

  Result<std::vector<MultiVector>> EmbedDocuments(
      std::span<const std::string> texts) const override {
    std::vector<model::Encoding> enc;
    enc.reserve(texts.size());
    for (const std::string& t : texts) {
      RAGDB_ASSIGN_OR_RETURN(auto e, Encode(t, settings_.doc_maxlen, doc_marker_));
      enc.push_back(std::move(e));
    }
    return Run(enc, /*query=*/false);
  }

  Result<MultiVector> EmbedQuery(const std::string& text) const override {
    RAGDB_ASSIGN_OR_RETURN(auto e, Encode(text, settings_.query_maxlen, query_marker_));
    // Query augmentation: [MASK] up to query_maxlen, attended to only if the model says so.
    if (!settings_.attend_to_mask_tokens) e.attended = e.ids.size();
    e.ids.resize(settings_.query_maxlen, mask_);
    e.type_ids.resize(settings_.query_maxlen, 0);
    std::vector<model::Encoding> one{std::move(e)};
    RAGDB_ASSIGN_OR_RETURN(auto out, Run(one, /*query=*/true));
    return std::move(out[0]);
  }

  size_t dim() const override { return dim_; }
  std::string name() const override { return name_; }

 private:
  // "[CLS] marker tokens [SEP]" in at most max_len tokens.
  Result<model::Encoding> Encode(const std::string& text, size_t max_len, int32_t marker) const {
    RAGDB_ASSIGN_OR_RETURN(auto e, model_->tokenizer().Encode(text, max_len - 1));
    e.ids.insert(e.ids.begin() + 1, marker);
    e.type_ids.insert(e.type_ids.begin() + 1, 0);
    return e;
  }

  bool Skipped(int32_t id) const {
    return std::find(skip_.begin(), skip_.end(), id) != skip_.end();
  }

  Result<std::vector<MultiVector>> Run(const std::vector<model::Encoding>& enc, bool query) const {
    std::vector<MultiVector> out(enc.size());
    const size_t hidden = static_cast<size_t>(model_->config().hidden_size);
    RAGDB_RETURN_IF_ERROR(model_->Run(
        enc, std::max<size_t>(1, opts_.batch_size),
        [&](const std::vector<size_t>& idx, const std::vector<float>& states,
            const std::vector<size_t>& offsets) {
          for (size_t s = 0; s < idx.size(); ++s) {
            const model::Encoding& e = enc[idx[s]];
            MultiVector& m = out[idx[s]];
            for (size_t t = 0; t < e.ids.size(); ++t) {
              if (!query && Skipped(e.ids[t])) continue;  // documents drop punctuation
              const float* x = &states[(offsets[s] + t) * hidden];
              std::vector<float> v(dim_);
              double norm = 0;
              for (size_t o = 0; o < dim_; ++o) {
                const float* w = &head_[o * hidden];
                double acc = 0;
                for (size_t i = 0; i < hidden; ++i) acc += double(w[i]) * x[i];
                v[o] = static_cast<float>(acc);
                norm += acc * acc;
              }
              const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
              for (float& c : v) c *= inv;
              m.push_back(std::move(v));
            }
          }
        }));
    return out;
  }

  std::unique_ptr<model::EncoderModel> model_;
  ColbertSettings settings_;
  std::vector<float> head_;  // [dim x hidden]
  size_t dim_ = 0;
  int32_t query_marker_ = -1, doc_marker_ = -1, mask_ = -1;
  std::vector<int32_t> skip_;  // punctuation token ids
  MultiVectorEmbedderOptions opts_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<MultiVectorEmbedder>> MultiVectorEmbedder::Load(
    const std::string& spec, MultiVectorEmbedderOptions options) {
  std::string base = spec.starts_with("colbert:") ? spec.substr(8) : spec;
  if (base.empty()) return Status::InvalidArgument("multi-vector embedder: empty model name");
  RAGDB_ASSIGN_OR_RETURN(std::string path, model::ResolveModelSpec(base));
  return ColbertEmbedder::Load(path, options);
}

}  // namespace ragdb
