// CLIPImageProcessor in C++: shorter side resized to `shortest_edge` (Pillow-exact bicubic, see
// vision/resize.h), center crop (zero padding when the image is smaller, as transformers does),
// rescale to [0, 1], normalize per channel. The arithmetic follows transformers' order and
// precision (rescale in double, normalize in float), so the result equals the reference.
#pragma once

#include <vector>

#include "model/clip/clip_config.h"
#include "model/vision/image.h"

namespace ragdb::model::clip {

// Channel-first floats [3 x crop_height x crop_width].
std::vector<float> PreprocessImage(const vision::Image& image, const PreprocessConfig& config);

// The (width, height) the resize step produces for an image of width x height.
std::pair<int, int> ResizedSize(int width, int height, int shortest_edge);

}  // namespace ragdb::model::clip
