// Decoder models as embedders (Qwen3-Embedding and the like): the decoder runtime
// (model/llm/) runs the text and pools its final hidden states, by the last token (the
// default for decoders: the model was trained to sum up the text there) or the mean.
// Loaded from a GGUF file or folder, or a Hugging Face folder of a decoder (config.json
// model_type qwen3 / qwen2 / llama / mistral, model.safetensors, tokenizer.json with a
// byte-level BPE model).
#pragma once

#include <memory>
#include <string>

#include "ragdb/model.h"

namespace ragdb::model {

// Whether `path` (a resolved file or folder) holds a decoder model this embedder can load.
bool IsDecoderModelPath(const std::string& path);

Result<std::unique_ptr<Embedder>> LoadDecoderEmbedder(const std::string& path,
                                                      const std::string& name,
                                                      const EmbedderOptions& options);

}  // namespace ragdb::model
