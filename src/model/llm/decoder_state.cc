#include "model/llm/decoder_state.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>

namespace ragdb::model::llm {
namespace {

// Tokens per forward step of a long prompt: enough to share each weight row across many tokens,
// few enough to keep the scratch small.
constexpr size_t kChunk = 512;
// From this many tokens on, a product runs as f32 GEMM (OpenBLAS, one thread per call) on
// weight rows dequantized in blocks of kGemmRows: the dequantization is paid once per block for
// all the tokens, and the GEMM kernel outruns the per-row integer dot products. Below it (token
// by token generation, short prompts) the integer kernels win: they read the weights once in
// their compact form.
constexpr size_t kGemmMinTokens = 16;
constexpr size_t kGemmRows = 64;

void InitBlasThreads() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

std::mutex& TeamMutex() {
  static std::mutex mu;
  return mu;
}

void RmsNorm(const float* x, const float* w, size_t n, float eps, float* out) {
  double ss = 0;
  for (size_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float scale = 1.0f / std::sqrt(static_cast<float>(ss / static_cast<double>(n)) + eps);
  for (size_t i = 0; i < n; ++i) out[i] = x[i] * scale * w[i];
}

float Silu(float x) { return x / (1.0f + std::exp(-x)); }
float GeluTanh(float x) {
  return 0.5f * x * (1.0f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
}

}  // namespace

namespace {
std::atomic<size_t> requested_threads{0};
}  // namespace

void SetDecoderThreads(size_t threads) { requested_threads.store(threads); }

ComputeTeam& DecoderTeam() {
  // Lives until exit: workers never join late.
  static ComputeTeam* team = new ComputeTeam(requested_threads.load());
  return *team;
}

// One matrix of a MatMul call: y[t * rows + r] = W[r] . x[t] (+ bias[r]); with `glu`, the
// product of the gate W and the up matrix glu: y = act(W x) * (glu x).
struct DecoderState::MatJob {
  const Weight* w;
  float* y;
  const float* bias = nullptr;
  const Weight* glu = nullptr;
  bool gelu = false;
};

DecoderState::DecoderState(const DecoderModel& model, size_t context)
    : model_(model), k_(ActiveLlmKernels()) {
  const DecoderConfig& c = model.config();
  context_ = context ? context : std::min<size_t>(c.context, 4096);
  k_cache_.assign(c.layers, {});
  v_cache_.assign(c.layers, {});
  for (size_t l = 0; l < c.layers; ++l) {
    k_cache_[l].resize(context_ * c.kv_dim());
    v_cache_[l].resize(context_ * c.kv_dim());
  }
  const auto& factors = model.rope_freq_factors();
  inv_freq_.resize(c.rope_dims / 2);
  for (size_t i = 0; i < inv_freq_.size(); ++i) {
    double f = std::pow(static_cast<double>(c.rope_theta),
                        -2.0 * static_cast<double>(i) / static_cast<double>(c.rope_dims));
    if (!factors.empty()) f /= factors[i];
    inv_freq_[i] = static_cast<float>(f);
  }
  const size_t widest = std::max({c.dim, c.q_dim(), c.ffn_dim});
  x_.resize(kChunk * c.dim);
  xn_.resize(kChunk * c.dim);
  q_.resize(kChunk * c.q_dim());
  kk_.resize(kChunk * c.kv_dim());
  vv_.resize(kChunk * c.kv_dim());
  att_.resize(kChunk * c.q_dim());
  ffn_.resize(kChunk * c.ffn_dim);
  xq_.resize(kChunk * widest / 32 + 1);
  scores_.assign(DecoderTeam().size(), std::vector<float>(context_));
}

void DecoderState::Truncate(size_t n) { position_ = std::min(position_, n); }

Status DecoderState::Forward(std::span<const int32_t> tokens, ForwardOutput what,
                             std::vector<float>* out) {
  const DecoderConfig& c = model_.config();
  if (tokens.empty()) return Status::InvalidArgument("no tokens to run");
  if (position_ + tokens.size() > context_) {
    return Status::ResourceExhausted("context full: " + std::to_string(position_) + " + " +
                                     std::to_string(tokens.size()) + " tokens exceed " +
                                     std::to_string(context_));
  }
  for (int32_t t : tokens) {
    if (t < 0 || static_cast<size_t>(t) >= c.vocab) {
      return Status::InvalidArgument("token id " + std::to_string(t) +
                                     " is outside the vocabulary");
    }
  }
  const size_t width = what == ForwardOutput::kHidden ? c.dim : c.vocab;
  const size_t rows_out = what == ForwardOutput::kLastLogits ? 1 : tokens.size();
  out->resize(rows_out * width);
  std::lock_guard<std::mutex> lock(TeamMutex());
  for (size_t done = 0; done < tokens.size(); done += kChunk) {
    const size_t n = std::min(kChunk, tokens.size() - done);
    float* dst = nullptr;
    ForwardOutput chunk_what = what;
    if (what == ForwardOutput::kLastLogits) {
      // Only the last chunk's last token needs logits.
      if (done + n == tokens.size())
        dst = out->data();
      else
        chunk_what = ForwardOutput::kHidden;  // computed into scratch and dropped
    } else {
      dst = out->data() + done * width;
    }
    ForwardChunk(tokens.data() + done, n, chunk_what, dst);
  }
  return Status::Ok();
}

void DecoderState::ForwardChunk(const int32_t* tokens, size_t n, ForwardOutput what, float* out) {
  const DecoderConfig& c = model_.config();
  const size_t dim = c.dim;
  for (size_t t = 0; t < n; ++t) model_.Embed(tokens[t], x_.data() + t * dim);
  for (size_t l = 0; l < c.layers; ++l) {
    const DecoderLayer& L = model_.layers()[l];
    for (size_t t = 0; t < n; ++t) {
      RmsNorm(x_.data() + t * dim, L.attn_norm.data(), dim, c.norm_eps, xn_.data() + t * dim);
    }
    MatJob qkv[3] = {{&L.wq, q_.data(), L.bq.empty() ? nullptr : L.bq.data()},
                     {&L.wk, kk_.data(), L.bk.empty() ? nullptr : L.bk.data()},
                     {&L.wv, vv_.data(), L.bv.empty() ? nullptr : L.bv.data()}};
    MatMul(xn_.data(), n, qkv, 3);
    for (size_t t = 0; t < n; ++t) {
      float* q = q_.data() + t * c.q_dim();
      float* k = kk_.data() + t * c.kv_dim();
      if (!L.q_norm.empty()) {
        for (size_t h = 0; h < c.heads; ++h) {
          RmsNorm(q + h * c.head_dim, L.q_norm.data(), c.head_dim, c.norm_eps, q + h * c.head_dim);
        }
        for (size_t h = 0; h < c.kv_heads; ++h) {
          RmsNorm(k + h * c.head_dim, L.k_norm.data(), c.head_dim, c.norm_eps, k + h * c.head_dim);
        }
      }
      Rope(q, c.heads, position_ + t);
      Rope(k, c.kv_heads, position_ + t);
      std::copy(k, k + c.kv_dim(), k_cache_[l].data() + (position_ + t) * c.kv_dim());
      const float* v = vv_.data() + t * c.kv_dim();
      std::copy(v, v + c.kv_dim(), v_cache_[l].data() + (position_ + t) * c.kv_dim());
    }
    Attention(l, n);
    MatJob wo = {&L.wo, xn_.data()};
    MatMul(att_.data(), n, &wo, 1);
    for (size_t i = 0; i < n * dim; ++i) x_[i] += xn_[i];
    for (size_t t = 0; t < n; ++t) {
      RmsNorm(x_.data() + t * dim, L.ffn_norm.data(), dim, c.norm_eps, xn_.data() + t * dim);
    }
    MatJob glu = {&L.w_gate, ffn_.data(), nullptr, &L.w_up, c.gelu_ffn};
    MatMul(xn_.data(), n, &glu, 1);
    MatJob down = {&L.w_down, xn_.data()};
    MatMul(ffn_.data(), n, &down, 1);
    for (size_t i = 0; i < n * dim; ++i) x_[i] += xn_[i];
  }
  position_ += n;
  const size_t first = what == ForwardOutput::kLastLogits ? n - 1 : 0;
  for (size_t t = first; t < n; ++t) {
    RmsNorm(x_.data() + t * dim, model_.output_norm().data(), dim, c.norm_eps,
            xn_.data() + (t - first) * dim);
  }
  if (what == ForwardOutput::kHidden) {
    if (out) std::copy(xn_.data(), xn_.data() + n * dim, out);
    return;
  }
  MatJob logits = {&model_.output(), out};
  MatMul(xn_.data(), n - first, &logits, 1);
}

void DecoderState::Rope(float* v, size_t heads, size_t pos) const {
  const DecoderConfig& c = model_.config();
  const size_t half = c.rope_dims / 2;
  const float p = static_cast<float>(pos) * c.rope_freq_scale;
  for (size_t i = 0; i < half; ++i) {
    const float angle = p * inv_freq_[i];
    const float cs = std::cos(angle), sn = std::sin(angle);
    for (size_t h = 0; h < heads; ++h) {
      float* x = v + h * c.head_dim;
      const size_t a = c.rope_style == RopeStyle::kNeox ? i : 2 * i;
      const size_t b = c.rope_style == RopeStyle::kNeox ? i + half : 2 * i + 1;
      const float x0 = x[a], x1 = x[b];
      x[a] = x0 * cs - x1 * sn;
      x[b] = x0 * sn + x1 * cs;
    }
  }
}

void DecoderState::Attention(size_t layer, size_t n) {
  const DecoderConfig& c = model_.config();
  const size_t group = c.heads / c.kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  const float* kc = k_cache_[layer].data();
  const float* vc = v_cache_[layer].data();
  std::atomic<size_t> next{0};
  const size_t items = n * c.heads;
  auto run = [&](size_t thread, size_t) {
    float* s = scores_[thread].data();
    for (size_t item; (item = next.fetch_add(1, std::memory_order_relaxed)) < items;) {
      const size_t t = item / c.heads, h = item % c.heads;
      const size_t len = position_ + t + 1;  // causal: this token and those before it
      const float* q = q_.data() + t * c.q_dim() + h * c.head_dim;
      const size_t kv_off = (h / group) * c.head_dim;
      float mx = -INFINITY;
      for (size_t p = 0; p < len; ++p) {
        s[p] = k_.dot(q, kc + p * c.kv_dim() + kv_off, c.head_dim) * scale;
        mx = std::max(mx, s[p]);
      }
      float sum = 0;
      for (size_t p = 0; p < len; ++p) sum += (s[p] = std::exp(s[p] - mx));
      float* o = att_.data() + t * c.q_dim() + h * c.head_dim;
      std::fill(o, o + c.head_dim, 0.0f);
      const float inv = 1.0f / sum;
      for (size_t p = 0; p < len; ++p)
        k_.axpy(s[p] * inv, vc + p * c.kv_dim() + kv_off, o, c.head_dim);
    }
  };
  // Short contexts of small models cost less on one thread than the hand-over.
  if (items * (position_ + n) * c.head_dim < (1u << 15)) {
    run(0, 1);
  } else {
    DecoderTeam().Run(run);
  }
}

void DecoderState::MatMul(const float* x, size_t n, const MatJob* jobs, size_t n_jobs) {
  const size_t cols = jobs[0].w->cols;
  bool need_q8 = false;
  for (size_t j = 0; j < n_jobs; ++j) {
    need_q8 |=
        UsesQ8Activations(jobs[j].w->type) || (jobs[j].glu && UsesQ8Activations(jobs[j].glu->type));
  }
  const size_t q8_stride = cols / 32 * sizeof(Q8Block);
  if (need_q8) {
    for (size_t t = 0; t < n; ++t) k_.quantize_q8(x + t * cols, cols, xq_.data() + t * (cols / 32));
  }
  // Rows of all jobs in one numbering, claimed in blocks by whichever thread is free.
  size_t total = 0;
  for (size_t j = 0; j < n_jobs; ++j) total += jobs[j].w->rows;
  const size_t block =
      std::max<size_t>(4, std::min<size_t>(64, total / (8 * DecoderTeam().size()) + 1));
  const size_t blocks = (total + block - 1) / block;
  std::atomic<size_t> next{0};
  if (n >= kGemmMinTokens && gemm_batches_ && !float_activations_) {
    MatMulGemm(x, n, jobs, n_jobs);
    return;
  }
  // Reference mode: the row as f32 times f32 activations.
  const DotFn float_dot = ScalarLlmKernels().dot_f32;
  auto exact_dot = [&](const Weight& w, size_t row, size_t t, int nx, float* res) {
    thread_local std::vector<float> buf;
    buf.resize(w.cols);
    DequantizeRow(w.type, w.row(row), w.cols, buf.data());
    float_dot(reinterpret_cast<const uint8_t*>(buf.data()), x + t * cols, cols * sizeof(float), nx,
              cols, res);
  };
  auto run = [&](size_t, size_t) {
    float tmp[kMaxDotRows], tmp2[kMaxDotRows];
    for (size_t bi; (bi = next.fetch_add(1, std::memory_order_relaxed)) < blocks;) {
      size_t r0 = bi * block, r1 = std::min(total, r0 + block);
      size_t j = 0, base = 0;
      while (r0 >= base + jobs[j].w->rows) base += jobs[j++].w->rows;
      for (size_t r = r0; r < r1; ++r) {
        while (r >= base + jobs[j].w->rows) base += jobs[j++].w->rows;
        const MatJob& job = jobs[j];
        const size_t row = r - base;
        const Weight& w = *job.w;
        const bool q8 = UsesQ8Activations(w.type);
        const DotFn dot = k_.DotFor(w.type);
        for (size_t t = 0; t < n; t += kMaxDotRows) {
          const int nx = static_cast<int>(std::min<size_t>(kMaxDotRows, n - t));
          const void* xs = q8 ? static_cast<const void*>(xq_.data() + t * (cols / 32))
                              : static_cast<const void*>(x + t * cols);
          const size_t stride = q8 ? q8_stride : cols * sizeof(float);
          if (float_activations_ && q8) {
            exact_dot(w, row, t, nx, tmp);
          } else {
            dot(w.row(row), xs, stride, nx, cols, tmp);
          }
          if (job.glu && float_activations_ && UsesQ8Activations(job.glu->type)) {
            exact_dot(*job.glu, row, t, nx, tmp2);
            for (int i = 0; i < nx; ++i) {
              const float g = job.gelu ? GeluTanh(tmp[i]) : Silu(tmp[i]);
              job.y[(t + i) * w.rows + row] = g * tmp2[i];
            }
          } else if (job.glu) {
            const bool q8u = UsesQ8Activations(job.glu->type);
            const void* xu = q8u ? static_cast<const void*>(xq_.data() + t * (cols / 32))
                                 : static_cast<const void*>(x + t * cols);
            k_.DotFor(job.glu->type)(job.glu->row(row), xu, q8u ? q8_stride : cols * sizeof(float),
                                     nx, cols, tmp2);
            for (int i = 0; i < nx; ++i) {
              const float g = job.gelu ? GeluTanh(tmp[i]) : Silu(tmp[i]);
              job.y[(t + i) * w.rows + row] = g * tmp2[i];
            }
          } else {
            const float b = job.bias ? job.bias[row] : 0.0f;
            for (int i = 0; i < nx; ++i) job.y[(t + i) * w.rows + row] = tmp[i] + b;
          }
        }
      }
    }
  };
  // Small products (under ~0.1 ms of work) cost less on one thread than waking the team.
  if (total * cols * n < (1u << 18)) {
    run(0, 1);
  } else {
    DecoderTeam().Run(run);
  }
}

void DecoderState::MatMulGemm(const float* x, size_t n, const MatJob* jobs, size_t n_jobs) {
  InitBlasThreads();
  const size_t cols = jobs[0].w->cols;
  // Blocks of kGemmRows rows of one job each (a GLU job's block covers gate and up).
  std::vector<std::pair<size_t, size_t>> blocks;  // (job, first row)
  for (size_t j = 0; j < n_jobs; ++j) {
    for (size_t r = 0; r < jobs[j].w->rows; r += kGemmRows) blocks.push_back({j, r});
  }
  std::atomic<size_t> next{0};
  DecoderTeam().Run([&](size_t, size_t) {
    thread_local std::vector<float> wbuf, ubuf, ybuf, gbuf;
    for (size_t bi; (bi = next.fetch_add(1, std::memory_order_relaxed)) < blocks.size();) {
      const MatJob& job = jobs[blocks[bi].first];
      const Weight& w = *job.w;
      const size_t r0 = blocks[bi].second, rows = std::min(kGemmRows, w.rows - r0);
      wbuf.resize(rows * cols);
      for (size_t r = 0; r < rows; ++r) DequantizeRow(w.type, w.row(r0 + r), cols, &wbuf[r * cols]);
      // ybuf[t][r] = x[t] . w[r]
      ybuf.resize(n * rows);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n),
                  static_cast<int>(rows), static_cast<int>(cols), 1.0f, x, static_cast<int>(cols),
                  wbuf.data(), static_cast<int>(cols), 0.0f, ybuf.data(), static_cast<int>(rows));
      if (job.glu) {
        ubuf.resize(rows * cols);
        for (size_t r = 0; r < rows; ++r) {
          DequantizeRow(job.glu->type, job.glu->row(r0 + r), cols, &ubuf[r * cols]);
        }
        gbuf.resize(n * rows);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n),
                    static_cast<int>(rows), static_cast<int>(cols), 1.0f, x, static_cast<int>(cols),
                    ubuf.data(), static_cast<int>(cols), 0.0f, gbuf.data(), static_cast<int>(rows));
        for (size_t t = 0; t < n; ++t) {
          for (size_t r = 0; r < rows; ++r) {
            const float g = ybuf[t * rows + r];
            job.y[t * w.rows + r0 + r] = (job.gelu ? GeluTanh(g) : Silu(g)) * gbuf[t * rows + r];
          }
        }
      } else {
        for (size_t t = 0; t < n; ++t) {
          for (size_t r = 0; r < rows; ++r) {
            job.y[t * w.rows + r0 + r] = ybuf[t * rows + r] + (job.bias ? job.bias[r0 + r] : 0.0f);
          }
        }
      }
    }
  });
}

}  // namespace ragdb::model::llm
