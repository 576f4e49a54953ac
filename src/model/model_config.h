// config.json of a Hugging Face BERT / XLM-RoBERTa model, checked for what this runtime supports.
#pragma once

#include <string>

#include "ragdb/status.h"

namespace ragdb::model {

enum class Arch { kBert, kXlmRoberta };
// kQuickGelu is CLIP's x * sigmoid(1.702 x).
enum class Activation { kGeluErf, kGeluTanh, kRelu, kQuickGelu };

struct ModelConfig {
  Arch arch = Arch::kBert;
  bool classifier = false;  // *ForSequenceClassification
  bool masked_lm = false;   // *ForMaskedLM: the masked-LM head is loaded (SPLADE)
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 0;
  int vocab_size = 0;
  int pad_token_id = 0;
  int num_labels = 1;
  float layer_norm_eps = 1e-12f;
  Activation activation = Activation::kGeluErf;

  // XLM-R numbers positions from pad_token_id + 1; BERT from 0.
  int position_offset() const { return arch == Arch::kXlmRoberta ? pad_token_id + 1 : 0; }
  int head_dim() const { return hidden_size / num_heads; }
};

// Parses the text of a config.json; errors name the field ("config.json: hidden_act 'swish' is
// not supported").
Result<ModelConfig> ParseModelConfig(const std::string& json_text);
Result<ModelConfig> LoadModelConfig(const std::string& dir);

}  // namespace ragdb::model
