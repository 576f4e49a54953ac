// A reader for the tensors of a PyTorch checkpoint written by torch.save (the zip format of
// torch >= 1.6, as Hugging Face repositories ship small heads: BGE-M3's sparse_linear.pt). The
// zip holds "ARCHIVE/data.pkl", a pickle of the state dict whose tensors point at storages
// "ARCHIVE/data/KEY" by persistent id, each stored uncompressed. The pickle is interpreted by a
// small stack machine that knows the opcodes torch.save emits and builds only plain values and
// tensor descriptions: it never imports or calls anything, so a checkpoint cannot run code.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/file.h"
#include "model/safetensors.h"
#include "ragdb/status.h"

namespace ragdb::model {

class TorchCheckpoint {
 public:
  static Result<std::unique_ptr<TorchCheckpoint>> Open(const std::string& path);
  // Same checks on bytes already in memory (tests); `bytes` must outlive the object.
  static Result<std::unique_ptr<TorchCheckpoint>> Parse(const uint8_t* bytes, size_t size,
                                                        std::string name);

  // The state dict's tensors by key (non-tensor entries are left out). Tensors must be
  // contiguous; dtypes F32, F16, BF16, F64, I64, I32, I16, I8, U8 and BOOL are described.
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* Find(const std::string& name) const;
  // The tensor converted to f32 (row-major), after checking its shape equals `shape`.
  Result<std::vector<float>> ReadF32(const std::string& name,
                                     const std::vector<int64_t>& shape) const;
  const std::string& path() const { return path_; }

 private:
  std::unique_ptr<MappedFile> file_;
  std::string path_;
  std::map<std::string, TensorInfo> tensors_;
};

}  // namespace ragdb::model
