#include "model/transformer.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "model/kernels.h"

namespace ragdb::model {
namespace {

using Shape = std::vector<int64_t>;

class WeightReader {
 public:
  WeightReader(const SafeTensors& st, std::string prefix) : st_(st), prefix_(std::move(prefix)) {}

  // `name` is looked up with the model prefix unless `bare`.
  Result<std::vector<float>> Get(const std::string& name, const Shape& shape, bool bare = false) {
    std::string full = bare ? name : prefix_ + name;
    // Old BERT checkpoints call the LayerNorm parameters gamma/beta.
    if (!st_.Has(full)) {
      std::string alt = full;
      if (alt.ends_with("LayerNorm.weight")) alt.replace(alt.size() - 6, 6, "gamma");
      if (alt.ends_with("LayerNorm.bias")) alt.replace(alt.size() - 4, 4, "beta");
      if (st_.Has(alt)) full = alt;
    }
    auto r = st_.ReadF32(full, shape);
    st_.Release(full);
    return r;
  }

  Result<Matrix> Linear(const std::string& name, int64_t out, int64_t in, bool bare = false) {
    Matrix m;
    RAGDB_ASSIGN_OR_RETURN(m.w, Get(name + ".weight", {out, in}, bare));
    RAGDB_ASSIGN_OR_RETURN(m.b, Get(name + ".bias", {out}, bare));
    m.out = static_cast<size_t>(out);
    m.in = static_cast<size_t>(in);
    return m;
  }

 private:
  const SafeTensors& st_;
  std::string prefix_;
};

// Replaces the f32 weights by their packed int8 form (freeing the f32 copy).
Status QuantizeMatrix(Matrix* m) {
  RAGDB_ASSIGN_OR_RETURN(m->q8, QuantizeAndPackWeights(m->w.data(), m->out, m->in));
  std::vector<float>().swap(m->w);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Transformer>> Transformer::Load(const SafeTensors& st,
                                                       const ModelConfig& cfg,
                                                       WeightQuantization quantization) {
  std::string prefix;
  for (const char* p : {"bert.", "roberta.", "model.", ""}) {
    if (st.Has(std::string(p) + "embeddings.word_embeddings.weight")) {
      prefix = p;
      break;
    }
    if (*p == '\0') {
      return Status::NotFound(st.path() +
                              ": missing tensor 'embeddings.word_embeddings.weight' (with or "
                              "without a bert./roberta. prefix)");
    }
  }
  auto t = std::unique_ptr<Transformer>(new Transformer(cfg));
  WeightReader r(st, prefix);
  const int64_t h = cfg.hidden_size, inter = cfg.intermediate_size;
  RAGDB_ASSIGN_OR_RETURN(t->word_emb_,
                         r.Get("embeddings.word_embeddings.weight", {cfg.vocab_size, h}));
  RAGDB_ASSIGN_OR_RETURN(t->pos_emb_, r.Get("embeddings.position_embeddings.weight",
                                            {cfg.max_position_embeddings, h}));
  RAGDB_ASSIGN_OR_RETURN(
      t->type_emb_, r.Get("embeddings.token_type_embeddings.weight", {cfg.type_vocab_size, h}));
  RAGDB_ASSIGN_OR_RETURN(t->emb_ln_g_, r.Get("embeddings.LayerNorm.weight", {h}));
  RAGDB_ASSIGN_OR_RETURN(t->emb_ln_b_, r.Get("embeddings.LayerNorm.bias", {h}));
  for (int i = 0; i < cfg.num_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    LayerWeights L;
    RAGDB_ASSIGN_OR_RETURN(Matrix q, r.Linear(p + "attention.self.query", h, h));
    RAGDB_ASSIGN_OR_RETURN(Matrix k, r.Linear(p + "attention.self.key", h, h));
    RAGDB_ASSIGN_OR_RETURN(Matrix v, r.Linear(p + "attention.self.value", h, h));
    // One [3H x H] product instead of three.
    L.qkv.out = 3 * h;
    L.qkv.in = h;
    for (const Matrix* m : {&q, &k, &v}) {
      L.qkv.w.insert(L.qkv.w.end(), m->w.begin(), m->w.end());
      L.qkv.b.insert(L.qkv.b.end(), m->b.begin(), m->b.end());
    }
    RAGDB_ASSIGN_OR_RETURN(L.attn_out, r.Linear(p + "attention.output.dense", h, h));
    RAGDB_ASSIGN_OR_RETURN(L.ln1_g, r.Get(p + "attention.output.LayerNorm.weight", {h}));
    RAGDB_ASSIGN_OR_RETURN(L.ln1_b, r.Get(p + "attention.output.LayerNorm.bias", {h}));
    RAGDB_ASSIGN_OR_RETURN(L.inter, r.Linear(p + "intermediate.dense", inter, h));
    RAGDB_ASSIGN_OR_RETURN(L.out, r.Linear(p + "output.dense", h, inter));
    RAGDB_ASSIGN_OR_RETURN(L.ln2_g, r.Get(p + "output.LayerNorm.weight", {h}));
    RAGDB_ASSIGN_OR_RETURN(L.ln2_b, r.Get(p + "output.LayerNorm.bias", {h}));
    if (quantization == WeightQuantization::kInt8) {
      for (Matrix* m : {&L.qkv, &L.attn_out, &L.inter, &L.out}) {
        RAGDB_RETURN_IF_ERROR(QuantizeMatrix(m));
      }
    }
    t->layers_.push_back(std::move(L));
  }
  if (cfg.classifier) {
    const int64_t labels = cfg.num_labels;
    if (cfg.arch == Arch::kBert) {
      RAGDB_ASSIGN_OR_RETURN(t->pooler_, r.Linear("pooler.dense", h, h));
      RAGDB_ASSIGN_OR_RETURN(t->cls_out_, r.Linear("classifier", labels, h, /*bare=*/true));
    } else {
      RAGDB_ASSIGN_OR_RETURN(t->cls_dense_, r.Linear("classifier.dense", h, h, true));
      RAGDB_ASSIGN_OR_RETURN(t->cls_out_, r.Linear("classifier.out_proj", labels, h, true));
    }
  }
  // The masked-LM head, when the checkpoint has one (a *ForMaskedLM config may come without it,
  // and such a folder still serves as a dense encoder). BERT: cls.predictions.*; RoBERTa /
  // XLM-R: lm_head.*.
  const bool bert = st.Has("cls.predictions.transform.dense.weight");
  if (cfg.masked_lm && (bert || st.Has("lm_head.dense.weight"))) {
    const std::string p = bert ? "cls.predictions." : "lm_head.";
    const std::string tr = bert ? p + "transform." : p;
    RAGDB_ASSIGN_OR_RETURN(t->mlm_dense_, r.Linear(tr + "dense", h, h, true));
    RAGDB_ASSIGN_OR_RETURN(
        t->mlm_ln_g_, r.Get(tr + (bert ? "LayerNorm.weight" : "layer_norm.weight"), {h}, true));
    RAGDB_ASSIGN_OR_RETURN(t->mlm_ln_b_,
                           r.Get(tr + (bert ? "LayerNorm.bias" : "layer_norm.bias"), {h}, true));
    if (st.Has(p + "decoder.weight")) {
      RAGDB_ASSIGN_OR_RETURN(t->mlm_decoder_,
                             r.Get(p + "decoder.weight", {cfg.vocab_size, h}, true));
    }
    const std::string bias = st.Has(p + "bias") ? p + "bias" : p + "decoder.bias";
    RAGDB_ASSIGN_OR_RETURN(t->mlm_bias_, r.Get(bias, {cfg.vocab_size}, true));
  }
  return t;
}

std::vector<std::vector<float>> Transformer::SpladeWeights(const std::vector<float>& hidden,
                                                           const std::vector<size_t>& offsets,
                                                           ThreadPool* pool) const {
  const size_t H = static_cast<size_t>(cfg_.hidden_size);
  const size_t V = static_cast<size_t>(cfg_.vocab_size);
  const float* decoder = mlm_decoder_.empty() ? word_emb_.data() : mlm_decoder_.data();
  std::vector<std::vector<float>> out;
  std::vector<float> t, logits;
  for (size_t s = 0; s + 1 < offsets.size(); ++s) {
    const size_t b = offsets[s], rows = offsets[s + 1] - b;
    t.resize(rows * H);
    Linear(mlm_dense_, &hidden[b * H], rows, t.data(), pool);
    BiasActivation(t.data(), rows, H, mlm_dense_.b.data(), cfg_.activation);
    LayerNorm(t.data(), t.data(), mlm_ln_g_.data(), mlm_ln_b_.data(), rows, H, cfg_.layer_norm_eps);
    logits.resize(rows * V);
    MatMulTransB(t.data(), rows, H, decoder, V, logits.data(), pool);
    std::vector<float> w(V, 0.0f);
    for (size_t r = 0; r < rows; ++r) {
      const float* row = &logits[r * V];
      for (size_t v = 0; v < V; ++v) {
        const float x = row[v] + mlm_bias_[v];
        if (x > 0) w[v] = std::max(w[v], std::log1p(x));
      }
    }
    out.push_back(std::move(w));
  }
  return out;
}

void Transformer::Linear(const Matrix& m, const float* x, size_t rows, float* y, ThreadPool* pool) {
  if (m.q8) return MatMulInt8(x, rows, m.in, *m.q8, y, pool);
  MatMulTransB(x, rows, m.in, m.w.data(), m.out, y, pool);
}

Status Transformer::Forward(std::span<const Encoding* const> batch, std::vector<float>* hidden,
                            std::vector<size_t>* offsets, ThreadPool* pool) const {
  const size_t H = static_cast<size_t>(cfg_.hidden_size);
  const size_t nh = static_cast<size_t>(cfg_.num_heads);
  const size_t hd = H / nh;
  const size_t I = static_cast<size_t>(cfg_.intermediate_size);
  const int pos_base = cfg_.position_offset();
  offsets->assign(1, 0);
  for (const Encoding* e : batch) {
    if (e->ids.empty()) return Status::InvalidArgument("empty token sequence");
    if (e->ids.size() + pos_base > static_cast<size_t>(cfg_.max_position_embeddings)) {
      return Status::InvalidArgument("sequence of " + std::to_string(e->ids.size()) +
                                     " tokens exceeds the model's position limit");
    }
    for (size_t i = 0; i < e->ids.size(); ++i) {
      if (e->ids[i] < 0 || e->ids[i] >= cfg_.vocab_size) {
        return Status::InvalidArgument("token id " + std::to_string(e->ids[i]) +
                                       " is outside the vocabulary");
      }
      int32_t tt = i < e->type_ids.size() ? e->type_ids[i] : 0;
      if (tt < 0 || tt >= cfg_.type_vocab_size) {
        return Status::InvalidArgument("token type id out of range");
      }
    }
    offsets->push_back(offsets->back() + e->ids.size());
  }
  const size_t T = offsets->back();
  std::vector<float>& x = *hidden;
  x.assign(T * H, 0.0f);

  auto parallel_rows = [&](size_t n, const std::function<void(size_t, size_t)>& fn) {
    if (pool == nullptr || n < 8) return fn(0, n);
    size_t threads = pool->size() + 1;
    pool->ParallelFor(n, std::max<size_t>(8, (n + 4 * threads - 1) / (4 * threads)), fn);
  };

  // Embeddings: word + position + token type, then LayerNorm (fused as the residual form).
  std::vector<float> zeros(H, 0.0f);
  std::vector<float> tmp(T * H);
  for (size_t s = 0; s < batch.size(); ++s) {
    const Encoding& e = *batch[s];
    for (size_t i = 0; i < e.ids.size(); ++i) {
      float* row = &x[((*offsets)[s] + i) * H];
      float* prow = &tmp[((*offsets)[s] + i) * H];
      const float* we = &word_emb_[static_cast<size_t>(e.ids[i]) * H];
      const float* pe = &pos_emb_[(i + pos_base) * H];
      const float* te =
          &type_emb_[static_cast<size_t>(i < e.type_ids.size() ? e.type_ids[i] : 0) * H];
      for (size_t j = 0; j < H; ++j) {
        row[j] = we[j] + pe[j];
        prow[j] = te[j];
      }
    }
  }
  parallel_rows(T, [&](size_t r0, size_t r1) {
    ResidualLayerNorm(&x[r0 * H], &tmp[r0 * H], zeros.data(), emb_ln_g_.data(), emb_ln_b_.data(),
                      r1 - r0, H, cfg_.layer_norm_eps);
  });

  std::vector<float> qkv(T * 3 * H), ctx(T * H), proj(T * H), mid(T * I);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<std::pair<size_t, size_t>> jobs;  // (sequence, head)
  for (size_t s = 0; s < batch.size(); ++s) {
    for (size_t h = 0; h < nh; ++h) jobs.emplace_back(s, h);
  }
  // Longest sequences first so the last chunks are the cheap ones.
  std::stable_sort(jobs.begin(), jobs.end(), [&](const auto& a, const auto& b) {
    return batch[a.first]->ids.size() > batch[b.first]->ids.size();
  });

  for (const LayerWeights& L : layers_) {
    Linear(L.qkv, x.data(), T, qkv.data(), pool);
    parallel_rows(T, [&](size_t r0, size_t r1) {
      for (size_t r = r0; r < r1; ++r) {
        float* row = &qkv[r * 3 * H];
        for (size_t j = 0; j < 3 * H; ++j) row[j] += L.qkv.b[j];
      }
    });
    auto attend = [&](size_t j0, size_t j1) {
      thread_local std::vector<float> scores;
      for (size_t j = j0; j < j1; ++j) {
        const auto [s, h] = jobs[j];
        const size_t L0 = (*offsets)[s];
        const int len = static_cast<int>(batch[s]->ids.size());
        // Keys: the first `attended` tokens (an attention mask of ones, then zeros), or all.
        const int keys = batch[s]->attended > 0 && static_cast<int>(batch[s]->attended) < len
                             ? static_cast<int>(batch[s]->attended)
                             : len;
        scores.resize(static_cast<size_t>(len) * keys);
        const float* q = &qkv[L0 * 3 * H + h * hd];
        const float* k = q + H;
        const float* v = q + 2 * H;
        const int ld = static_cast<int>(3 * H);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, len, keys, static_cast<int>(hd), scale,
                    q, ld, k, ld, 0.0f, scores.data(), keys);
        for (int i = 0; i < len; ++i) Softmax(&scores[static_cast<size_t>(i) * keys], keys);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, len, static_cast<int>(hd), keys,
                    1.0f, scores.data(), keys, v, ld, 0.0f, &ctx[L0 * H + h * hd],
                    static_cast<int>(H));
      }
    };
    if (pool && jobs.size() > 1) {
      pool->ParallelFor(jobs.size(), 1, attend);
    } else {
      attend(0, jobs.size());
    }
    Linear(L.attn_out, ctx.data(), T, proj.data(), pool);
    parallel_rows(T, [&](size_t r0, size_t r1) {
      ResidualLayerNorm(&x[r0 * H], &proj[r0 * H], L.attn_out.b.data(), L.ln1_g.data(),
                        L.ln1_b.data(), r1 - r0, H, cfg_.layer_norm_eps);
    });
    Linear(L.inter, x.data(), T, mid.data(), pool);
    parallel_rows(T, [&](size_t r0, size_t r1) {
      BiasActivation(&mid[r0 * I], r1 - r0, I, L.inter.b.data(), cfg_.activation);
    });
    Linear(L.out, mid.data(), T, proj.data(), pool);
    parallel_rows(T, [&](size_t r0, size_t r1) {
      ResidualLayerNorm(&x[r0 * H], &proj[r0 * H], L.out.b.data(), L.ln2_g.data(), L.ln2_b.data(),
                        r1 - r0, H, cfg_.layer_norm_eps);
    });
  }
  return Status::Ok();
}

std::vector<float> Transformer::Classify(const std::vector<float>& hidden,
                                         const std::vector<size_t>& offsets) const {
  const size_t H = static_cast<size_t>(cfg_.hidden_size);
  const size_t n = offsets.size() - 1;
  const size_t labels = static_cast<size_t>(cfg_.num_labels);
  std::vector<float> first(n * H), mid(n * H), logits(n * labels);
  for (size_t s = 0; s < n; ++s) {
    std::copy_n(&hidden[offsets[s] * H], H, &first[s * H]);
  }
  const Matrix& dense = cfg_.arch == Arch::kBert ? pooler_ : cls_dense_;
  MatMulTransB(first.data(), n, H, dense.w.data(), H, mid.data(), nullptr);
  for (size_t s = 0; s < n; ++s) {
    for (size_t j = 0; j < H; ++j) mid[s * H + j] = std::tanh(mid[s * H + j] + dense.b[j]);
  }
  MatMulTransB(mid.data(), n, H, cls_out_.w.data(), labels, logits.data(), nullptr);
  for (size_t s = 0; s < n; ++s) {
    for (size_t j = 0; j < labels; ++j) logits[s * labels + j] += cls_out_.b[j];
  }
  return logits;
}

}  // namespace ragdb::model
