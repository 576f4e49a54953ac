// llama2.c checkpoints (Karpathy's "version 0" format, as the stories*.bin models ship):
//   7 x int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
//   (vocab_size < 0 = the classifier is a separate matrix at the end; > 0 = tied to the
//   embedding), then f32 arrays: token_embedding[vocab][dim], rms_att[L][dim], wq[L][dim][dim],
//   wk[L][kv][dim], wv[L][kv][dim], wo[L][dim][dim], rms_ffn[L][dim], w1[L][hidden][dim],
//   w2[L][dim][hidden], w3[L][hidden][dim], rms_final[dim], freq_cis_real/imag[seq][head/2]
//   (unused), [wcls[vocab][dim]].
// Llama architecture with interleaved RoPE, theta 10000, RMSNorm eps 1e-5.
#pragma once

#include <memory>
#include <string>

#include "model/llm/decoder_model.h"

namespace ragdb::model::llm {

class Llama2cLoader {
 public:
  static Result<std::unique_ptr<DecoderModel>> Load(const std::string& path);
};

}  // namespace ragdb::model::llm
