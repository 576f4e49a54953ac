#include "model/model_config.h"

#include <nlohmann/json.hpp>

#include "base/file.h"

namespace ragdb::model {
namespace {

Status Bad(const std::string& msg) { return Status::InvalidArgument("config.json: " + msg); }

// Reads a positive integer field; `fallback` < 0 means required.
Status GetInt(const nlohmann::json& j, const char* key, int fallback, int min, int* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback < 0) return Bad(std::string("missing field '") + key + "'");
    *out = fallback;
    return Status::Ok();
  }
  if (!it->is_number_integer()) return Bad(std::string(key) + " must be an integer");
  int64_t v = it->get<int64_t>();
  if (v < min || v > (1 << 24)) {
    return Bad(std::string(key) + " " + std::to_string(v) + " is out of range");
  }
  *out = static_cast<int>(v);
  return Status::Ok();
}

}  // namespace

Result<ModelConfig> ParseModelConfig(const std::string& json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return Bad(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return Bad("not a JSON object");
  ModelConfig c;
  try {
    std::string type = j.value("model_type", "");
    if (type == "bert") {
      c.arch = Arch::kBert;
    } else if (type == "xlm-roberta" || type == "roberta") {
      c.arch = Arch::kXlmRoberta;
    } else {
      return Bad("model_type '" + type + "' is not supported (bert, xlm-roberta)");
    }
    if (auto a = j.find("architectures"); a != j.end() && a->is_array()) {
      for (const auto& name : *a) {
        if (!name.is_string()) continue;
        std::string s = name.get<std::string>();
        if (s.find("ForSequenceClassification") != std::string::npos) {
          c.classifier = true;
        } else if (s.find("ForMaskedLM") != std::string::npos) {
          c.masked_lm = true;
        } else if (s != "BertModel" && s != "XLMRobertaModel" && s != "RobertaModel" &&
                   s != "HF_ColBERT" &&  // ColBERT: a BertModel and a linear head
                   s.find("ForMaskedLM") == std::string::npos &&
                   s.find("ForPreTraining") == std::string::npos) {
          return Bad("architecture '" + s + "' is not supported");
        }
      }
    }
    RAGDB_RETURN_IF_ERROR(GetInt(j, "hidden_size", -1, 1, &c.hidden_size));
    RAGDB_RETURN_IF_ERROR(GetInt(j, "num_hidden_layers", -1, 1, &c.num_layers));
    RAGDB_RETURN_IF_ERROR(GetInt(j, "num_attention_heads", -1, 1, &c.num_heads));
    RAGDB_RETURN_IF_ERROR(GetInt(j, "intermediate_size", -1, 1, &c.intermediate_size));
    RAGDB_RETURN_IF_ERROR(GetInt(j, "max_position_embeddings", -1, 1, &c.max_position_embeddings));
    RAGDB_RETURN_IF_ERROR(GetInt(j, "type_vocab_size", 2, 1, &c.type_vocab_size));
    RAGDB_RETURN_IF_ERROR(GetInt(j, "vocab_size", -1, 1, &c.vocab_size));
    RAGDB_RETURN_IF_ERROR(
        GetInt(j, "pad_token_id", c.arch == Arch::kXlmRoberta ? 1 : 0, 0, &c.pad_token_id));
    if (c.hidden_size % c.num_heads != 0) {
      return Bad("hidden_size " + std::to_string(c.hidden_size) +
                 " is not a multiple of num_attention_heads " + std::to_string(c.num_heads));
    }
    if (c.position_offset() >= c.max_position_embeddings) {
      return Bad("pad_token_id leaves no room in max_position_embeddings");
    }
    std::string act = j.value("hidden_act", "gelu");
    if (act == "gelu") {
      c.activation = Activation::kGeluErf;
    } else if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast") {
      c.activation = Activation::kGeluTanh;
    } else if (act == "relu") {
      c.activation = Activation::kRelu;
    } else {
      return Bad("hidden_act '" + act + "' is not supported (gelu, gelu_new, relu)");
    }
    std::string pos = j.value("position_embedding_type", "absolute");
    if (pos != "absolute") {
      return Bad("position_embedding_type '" + pos + "' is not supported (absolute)");
    }
    if (auto e = j.find("layer_norm_eps"); e != j.end()) {
      if (!e->is_number()) return Bad("layer_norm_eps must be a number");
      c.layer_norm_eps = e->get<float>();
      if (!(c.layer_norm_eps > 0)) return Bad("layer_norm_eps must be positive");
    }
    if (c.classifier) {
      int labels = 0;
      if (auto l = j.find("id2label"); l != j.end() && l->is_object()) {
        labels = static_cast<int>(l->size());
      }
      RAGDB_RETURN_IF_ERROR(GetInt(j, "num_labels", labels > 0 ? labels : 1, 1, &c.num_labels));
    }
  } catch (const nlohmann::json::exception& e) {
    return Bad(std::string("unexpected field type: ") + e.what());
  }
  return c;
}

Result<ModelConfig> LoadModelConfig(const std::string& dir) {
  RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(JoinPath(dir, "config.json")));
  return ParseModelConfig(text);
}

}  // namespace ragdb::model
