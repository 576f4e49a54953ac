#include "model/clip/clip_preprocess.h"

#include <algorithm>

#include "model/vision/resize.h"

namespace ragdb::model::clip {

std::pair<int, int> ResizedSize(int width, int height, int shortest_edge) {
  // transformers' get_resize_output_image_size(default_to_square=False):
  // new_long = int(shortest_edge * long / short).
  const int64_t shorter = std::min(width, height), longer = std::max(width, height);
  const int new_long = static_cast<int>(static_cast<double>(shortest_edge * longer) / shorter);
  return width <= height ? std::pair{shortest_edge, new_long} : std::pair{new_long, shortest_edge};
}

std::vector<float> PreprocessImage(const vision::Image& image, const PreprocessConfig& config) {
  vision::Image resized;
  const vision::Image* img = &image;
  if (config.do_resize) {
    auto [w, h] = ResizedSize(image.width, image.height, config.shortest_edge);
    resized = vision::Resize(
        image, w, h,
        config.bicubic ? vision::ResizeFilter::kBicubic : vision::ResizeFilter::kBilinear);
    img = &resized;
  }
  int out_h = img->height, out_w = img->width;
  // Source row / column of output (0, 0); negative when the crop is larger than the image
  // (transformers pads with zeros, centered, rounding the pad up).
  int top = 0, left = 0;
  if (config.do_center_crop) {
    out_h = config.crop_height;
    out_w = config.crop_width;
    auto origin = [](int size, int crop) {
      if (crop <= size) return (size - crop) / 2;
      const int pad = (crop - size + 1) / 2;
      // After padding to `crop`, the crop starts at floor((crop - crop) / 2) = 0.
      return -pad;
    };
    top = origin(img->height, out_h);
    left = origin(img->width, out_w);
  }
  std::vector<float> out(static_cast<size_t>(3) * out_h * out_w);
  const size_t plane = static_cast<size_t>(out_h) * out_w;
  for (int y = 0; y < out_h; ++y) {
    const int sy = y + top;
    for (int x = 0; x < out_w; ++x) {
      const int sx = x + left;
      const bool inside = sy >= 0 && sy < img->height && sx >= 0 && sx < img->width;
      for (int c = 0; c < 3; ++c) {
        const uint8_t px =
            inside ? img->rgb[(static_cast<size_t>(sy) * img->width + sx) * 3 + c] : 0;
        float v = config.do_rescale ? static_cast<float>(px * config.rescale_factor)
                                    : static_cast<float>(px);
        if (config.do_normalize) v = (v - config.mean[c]) / config.std[c];
        out[c * plane + static_cast<size_t>(y) * out_w + x] = v;
      }
    }
  }
  return out;
}

}  // namespace ragdb::model::clip
