// libFuzzer target: Filter::Parse must never crash, and whatever it accepts must survive
// ToJson -> FromJson -> ToJson unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ragdb/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ragdb::Result<ragdb::Filter> f = ragdb::Filter::Parse(text);
  if (!f.ok()) return 0;
  ragdb::Json j = f->ToJson();
  ragdb::Result<ragdb::Filter> back = ragdb::Filter::FromJson(j);
  if (!back.ok() || back->ToJson() != j) std::abort();
  return 0;
}
