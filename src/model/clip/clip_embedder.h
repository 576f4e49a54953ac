// The Embedder behind "clip:MODEL": Embed() = normalized text features, EmbedImages() =
// normalized image features (decode -> preprocess in parallel over the model's threads, then
// batches through the vision tower).
#pragma once

#include <memory>
#include <string>

#include "ragdb/model.h"

namespace ragdb::model::clip {

// `dir` is the model folder (already resolved from an installed name).
Result<std::unique_ptr<Embedder>> LoadClipEmbedder(const std::string& dir,
                                                   const EmbedderOptions& options);

}  // namespace ragdb::model::clip
