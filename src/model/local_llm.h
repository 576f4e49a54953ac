// Local language models by the names users give them: a .gguf file, a model folder, or a model
// installed in the model cache (model_cache.h; `ragdb model add` / `model pull REPO --file`).
// Loaded models are kept, so a server or a chat session loads each one once.
#pragma once

#include <memory>
#include <string>

#include "model/llm/language_model.h"
#include "ragdb/status.h"

namespace ragdb::model {

// The file or folder `spec` names (an existing path wins over an installed name), or NotFound.
Result<std::string> ResolveLanguageModelPath(const std::string& spec);

// The model `spec` names, loaded once per process.
Result<std::shared_ptr<const llm::LanguageModel>> LoadLanguageModel(const std::string& spec);

// "local:NAME" -> NAME; false for any other model string.
bool ParseLocalModel(const std::string& model, std::string* name);

}  // namespace ragdb::model
