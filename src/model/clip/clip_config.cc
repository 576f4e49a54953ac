#include "model/clip/clip_config.h"

#include <nlohmann/json.hpp>

#include "base/file.h"

namespace ragdb::model::clip {
namespace {

using nlohmann::json;

Status Bad(const std::string& file, const std::string& msg) {
  return Status::InvalidArgument(file + ": " + msg);
}

Status GetInt(const json& j, const std::string& where, const char* key, int fallback, int min,
              int* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    *out = fallback;
    return Status::Ok();
  }
  if (!it->is_number_integer()) return Bad("config.json", where + key + " must be an integer");
  int64_t v = it->get<int64_t>();
  if (v < min || v > (1 << 24)) {
    return Bad("config.json", where + key + " " + std::to_string(v) + " is out of range");
  }
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status ParseTower(const json& j, const std::string& where, TowerConfig defaults, TowerConfig* out) {
  *out = defaults;
  RAGDB_RETURN_IF_ERROR(
      GetInt(j, where, "hidden_size", defaults.hidden_size, 1, &out->hidden_size));
  RAGDB_RETURN_IF_ERROR(
      GetInt(j, where, "num_hidden_layers", defaults.num_layers, 1, &out->num_layers));
  RAGDB_RETURN_IF_ERROR(
      GetInt(j, where, "num_attention_heads", defaults.num_heads, 1, &out->num_heads));
  RAGDB_RETURN_IF_ERROR(GetInt(j, where, "intermediate_size", defaults.intermediate_size, 1,
                               &out->intermediate_size));
  if (out->hidden_size % out->num_heads != 0) {
    return Bad("config.json", where + "hidden_size is not a multiple of num_attention_heads");
  }
  if (auto e = j.find("layer_norm_eps"); e != j.end() && !e->is_null()) {
    if (!e->is_number() || !(e->get<double>() > 0)) {
      return Bad("config.json", where + "layer_norm_eps must be a positive number");
    }
    out->layer_norm_eps = e->get<float>();
  }
  std::string act = j.value("hidden_act", "quick_gelu");
  if (act == "quick_gelu") {
    out->activation = Activation::kQuickGelu;
  } else if (act == "gelu") {
    out->activation = Activation::kGeluErf;
  } else if (act == "gelu_new" || act == "gelu_pytorch_tanh") {
    out->activation = Activation::kGeluTanh;
  } else {
    return Bad("config.json", where + "hidden_act '" + act + "' is not supported");
  }
  return Status::Ok();
}

}  // namespace

Result<ClipConfig> ParseClipConfig(const std::string& json_text) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    return Bad("config.json", std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return Bad("config.json", "not a JSON object");
  ClipConfig c;
  try {
    if (j.value("model_type", "") != "clip") {
      return Bad("config.json", "model_type '" + j.value("model_type", "") + "' is not 'clip'");
    }
    // Old exports put the towers under *_config_dict.
    auto tower = [&](const char* a, const char* b) {
      if (j.contains(a) && j[a].is_object()) return j[a];
      if (j.contains(b) && j[b].is_object()) return j[b];
      return json::object();
    };
    const json text = tower("text_config", "text_config_dict");
    const json vision = tower("vision_config", "vision_config_dict");
    RAGDB_RETURN_IF_ERROR(ParseTower(text, "text_config.", {512, 12, 8, 2048}, &c.text));
    RAGDB_RETURN_IF_ERROR(ParseTower(vision, "vision_config.", {768, 12, 12, 3072}, &c.vision));
    RAGDB_RETURN_IF_ERROR(GetInt(text, "text_config.", "vocab_size", 49408, 1, &c.vocab_size));
    RAGDB_RETURN_IF_ERROR(
        GetInt(text, "text_config.", "max_position_embeddings", 77, 2, &c.max_position_embeddings));
    RAGDB_RETURN_IF_ERROR(GetInt(text, "text_config.", "eos_token_id", 2, 0, &c.eos_token_id));
    RAGDB_RETURN_IF_ERROR(GetInt(vision, "vision_config.", "image_size", 224, 1, &c.image_size));
    RAGDB_RETURN_IF_ERROR(GetInt(vision, "vision_config.", "patch_size", 32, 1, &c.patch_size));
    RAGDB_RETURN_IF_ERROR(GetInt(vision, "vision_config.", "num_channels", 3, 1, &c.num_channels));
    RAGDB_RETURN_IF_ERROR(GetInt(j, "", "projection_dim", 512, 1, &c.projection_dim));
    if (c.num_channels != 3) return Bad("config.json", "only 3-channel (RGB) vision towers");
    if (c.image_size % c.patch_size != 0) {
      return Bad("config.json", "vision_config.image_size is not a multiple of patch_size");
    }
  } catch (const json::exception& e) {
    return Bad("config.json", std::string("unexpected field type: ") + e.what());
  }
  return c;
}

Result<PreprocessConfig> ParsePreprocessConfig(const std::string& json_text) {
  const std::string f = "preprocessor_config.json";
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    return Bad(f, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return Bad(f, "not a JSON object");
  PreprocessConfig p;
  try {
    p.do_resize = j.value("do_resize", true);
    p.do_center_crop = j.value("do_center_crop", true);
    p.do_rescale = j.value("do_rescale", true);
    p.do_normalize = j.value("do_normalize", true);
    p.rescale_factor = j.value("rescale_factor", 1.0 / 255.0);
    // "size": 224 (old) or {"shortest_edge": 224}; "crop_size": 224 or {"height", "width"}.
    if (auto s = j.find("size"); s != j.end()) {
      if (s->is_number_integer()) {
        p.shortest_edge = s->get<int>();
      } else if (s->is_object() && s->contains("shortest_edge")) {
        p.shortest_edge = (*s)["shortest_edge"].get<int>();
      } else {
        return Bad(f, "size must be a number or {\"shortest_edge\": N}");
      }
    }
    if (auto s = j.find("crop_size"); s != j.end()) {
      if (s->is_number_integer()) {
        p.crop_height = p.crop_width = s->get<int>();
      } else if (s->is_object()) {
        p.crop_height = s->value("height", p.crop_height);
        p.crop_width = s->value("width", p.crop_width);
      } else {
        return Bad(f, "crop_size must be a number or {\"height\", \"width\"}");
      }
    }
    int resample = j.value("resample", 3);
    if (resample != 2 && resample != 3) {
      return Bad(f, "resample " + std::to_string(resample) +
                        " is not supported (2 = bilinear, 3 = bicubic)");
    }
    p.bicubic = resample == 3;
    for (const char* key : {"image_mean", "image_std"}) {
      if (!j.contains(key)) continue;
      const json& a = j[key];
      if (!a.is_array() || a.size() != 3) return Bad(f, std::string(key) + " must hold 3 numbers");
      auto& dst = std::string(key) == "image_mean" ? p.mean : p.std;
      for (int c = 0; c < 3; ++c) dst[c] = a[c].get<float>();
    }
  } catch (const json::exception& e) {
    return Bad(f, std::string("unexpected field type: ") + e.what());
  }
  if (p.shortest_edge <= 0 || p.shortest_edge > 4096 || p.crop_height <= 0 || p.crop_width <= 0 ||
      p.crop_height > 4096 || p.crop_width > 4096) {
    return Bad(f, "size / crop_size out of range");
  }
  for (float s : p.std) {
    if (!(s > 0)) return Bad(f, "image_std must be positive");
  }
  return p;
}

bool IsClipModelDir(const std::string& dir) {
  auto text = ReadFile(JoinPath(dir, "config.json"));
  if (!text.ok()) return false;
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object()) return false;
  auto t = j.find("model_type");
  return t != j.end() && t->is_string() && t->get<std::string>() == "clip";
}

Result<ClipConfig> LoadClipConfig(const std::string& dir) {
  RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(JoinPath(dir, "config.json")));
  return ParseClipConfig(text);
}

Result<PreprocessConfig> LoadPreprocessConfig(const std::string& dir) {
  const std::string path = JoinPath(dir, "preprocessor_config.json");
  if (!FileExists(path)) return PreprocessConfig{};
  RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParsePreprocessConfig(text);
}

}  // namespace ragdb::model::clip
