#include "model/clip/clip_encoder.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "model/kernels.h"

namespace ragdb::model::clip {

Result<std::vector<float>> ReadTensor(const SafeTensors& st, const std::string& name,
                                      const std::vector<int64_t>& shape) {
  auto r = st.ReadF32(name, shape);
  st.Release(name);
  return r;
}

Result<Matrix> ReadLinear(const SafeTensors& st, const std::string& name, int64_t out, int64_t in,
                          bool bias) {
  Matrix m;
  RAGDB_ASSIGN_OR_RETURN(m.w, ReadTensor(st, name + ".weight", {out, in}));
  if (bias) {
    RAGDB_ASSIGN_OR_RETURN(m.b, ReadTensor(st, name + ".bias", {out}));
  } else {
    m.b.assign(static_cast<size_t>(out), 0.0f);
  }
  m.out = static_cast<size_t>(out);
  m.in = static_cast<size_t>(in);
  return m;
}

Result<ClipEncoder> ClipEncoder::Load(const SafeTensors& st, const std::string& prefix,
                                      const TowerConfig& cfg) {
  ClipEncoder e;
  e.cfg_ = cfg;
  const int64_t h = cfg.hidden_size, inter = cfg.intermediate_size;
  for (int i = 0; i < cfg.num_layers; ++i) {
    const std::string p = prefix + "layers." + std::to_string(i) + ".";
    Layer L;
    RAGDB_ASSIGN_OR_RETURN(Matrix q, ReadLinear(st, p + "self_attn.q_proj", h, h));
    RAGDB_ASSIGN_OR_RETURN(Matrix k, ReadLinear(st, p + "self_attn.k_proj", h, h));
    RAGDB_ASSIGN_OR_RETURN(Matrix v, ReadLinear(st, p + "self_attn.v_proj", h, h));
    L.qkv.out = 3 * h;
    L.qkv.in = h;
    for (const Matrix* m : {&q, &k, &v}) {
      L.qkv.w.insert(L.qkv.w.end(), m->w.begin(), m->w.end());
      L.qkv.b.insert(L.qkv.b.end(), m->b.begin(), m->b.end());
    }
    RAGDB_ASSIGN_OR_RETURN(L.out, ReadLinear(st, p + "self_attn.out_proj", h, h));
    RAGDB_ASSIGN_OR_RETURN(L.ln1_g, ReadTensor(st, p + "layer_norm1.weight", {h}));
    RAGDB_ASSIGN_OR_RETURN(L.ln1_b, ReadTensor(st, p + "layer_norm1.bias", {h}));
    RAGDB_ASSIGN_OR_RETURN(L.fc1, ReadLinear(st, p + "mlp.fc1", inter, h));
    RAGDB_ASSIGN_OR_RETURN(L.fc2, ReadLinear(st, p + "mlp.fc2", h, inter));
    RAGDB_ASSIGN_OR_RETURN(L.ln2_g, ReadTensor(st, p + "layer_norm2.weight", {h}));
    RAGDB_ASSIGN_OR_RETURN(L.ln2_b, ReadTensor(st, p + "layer_norm2.bias", {h}));
    e.layers_.push_back(std::move(L));
  }
  return e;
}

void ClipEncoder::Forward(std::vector<float>* xp, const std::vector<size_t>& offsets, bool causal,
                          ThreadPool* pool) const {
  std::vector<float>& x = *xp;
  const size_t H = static_cast<size_t>(cfg_.hidden_size);
  const size_t nh = static_cast<size_t>(cfg_.num_heads);
  const size_t hd = H / nh;
  const size_t I = static_cast<size_t>(cfg_.intermediate_size);
  const size_t T = offsets.back();
  const size_t n = offsets.size() - 1;
  const float eps = cfg_.layer_norm_eps;

  auto parallel_rows = [&](size_t rows, const std::function<void(size_t, size_t)>& fn) {
    if (pool == nullptr || rows < 8) return fn(0, rows);
    const size_t threads = pool->size() + 1;
    pool->ParallelFor(rows, std::max<size_t>(8, (rows + 4 * threads - 1) / (4 * threads)), fn);
  };
  // x[r] += y[r] + bias over all rows.
  auto residual = [&](const std::vector<float>& y, const std::vector<float>& bias) {
    parallel_rows(T, [&](size_t r0, size_t r1) {
      for (size_t r = r0; r < r1; ++r) {
        float* xr = &x[r * H];
        const float* yr = &y[r * H];
        for (size_t j = 0; j < H; ++j) xr[j] += yr[j] + bias[j];
      }
    });
  };

  std::vector<float> h(T * H), qkv(T * 3 * H), ctx(T * H), proj(T * H), mid(T * I);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<std::pair<size_t, size_t>> jobs;  // (sequence, head), longest sequences first
  for (size_t s = 0; s < n; ++s) {
    for (size_t k = 0; k < nh; ++k) jobs.emplace_back(s, k);
  }
  std::stable_sort(jobs.begin(), jobs.end(), [&](const auto& a, const auto& b) {
    return offsets[a.first + 1] - offsets[a.first] > offsets[b.first + 1] - offsets[b.first];
  });

  for (const Layer& L : layers_) {
    parallel_rows(T, [&](size_t r0, size_t r1) {
      LayerNorm(&x[r0 * H], &h[r0 * H], L.ln1_g.data(), L.ln1_b.data(), r1 - r0, H, eps);
    });
    MatMulTransB(h.data(), T, H, L.qkv.w.data(), 3 * H, qkv.data(), pool);
    parallel_rows(T, [&](size_t r0, size_t r1) {
      for (size_t r = r0; r < r1; ++r) {
        float* row = &qkv[r * 3 * H];
        for (size_t j = 0; j < 3 * H; ++j) row[j] += L.qkv.b[j];
      }
    });
    auto attend = [&](size_t j0, size_t j1) {
      thread_local std::vector<float> scores;
      for (size_t j = j0; j < j1; ++j) {
        const auto [s, head] = jobs[j];
        const size_t row0 = offsets[s];
        const int len = static_cast<int>(offsets[s + 1] - row0);
        scores.resize(static_cast<size_t>(len) * len);
        const float* q = &qkv[row0 * 3 * H + head * hd];
        const float* k = q + H;
        const float* v = q + 2 * H;
        const int ld = static_cast<int>(3 * H);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, len, len, static_cast<int>(hd), scale,
                    q, ld, k, ld, 0.0f, scores.data(), len);
        for (int i = 0; i < len; ++i) {
          float* row = &scores[static_cast<size_t>(i) * len];
          const int visible = causal ? i + 1 : len;
          Softmax(row, static_cast<size_t>(visible));
          std::fill(row + visible, row + len, 0.0f);
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, len, static_cast<int>(hd), len, 1.0f,
                    scores.data(), len, v, ld, 0.0f, &ctx[row0 * H + head * hd],
                    static_cast<int>(H));
      }
    };
    if (pool && jobs.size() > 1) {
      pool->ParallelFor(jobs.size(), 1, attend);
    } else {
      attend(0, jobs.size());
    }
    MatMulTransB(ctx.data(), T, H, L.out.w.data(), H, proj.data(), pool);
    residual(proj, L.out.b);
    parallel_rows(T, [&](size_t r0, size_t r1) {
      LayerNorm(&x[r0 * H], &h[r0 * H], L.ln2_g.data(), L.ln2_b.data(), r1 - r0, H, eps);
    });
    MatMulTransB(h.data(), T, H, L.fc1.w.data(), I, mid.data(), pool);
    parallel_rows(T, [&](size_t r0, size_t r1) {
      BiasActivation(&mid[r0 * I], r1 - r0, I, L.fc1.b.data(), cfg_.activation);
    });
    MatMulTransB(mid.data(), T, I, L.fc2.w.data(), H, proj.data(), pool);
    residual(proj, L.fc2.b);
  }
}

}  // namespace ragdb::model::clip
