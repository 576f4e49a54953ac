// Base64 (RFC 4648, standard alphabet, with padding) for binary data carried in JSON: images in
// records and requests, OpenAI's base64 embeddings.
#pragma once

#include <string>
#include <string_view>

#include "ragdb/status.h"

namespace ragdb {

std::string Base64Encode(std::string_view bytes);

// Strict: the standard alphabet, padding optional, whitespace (line breaks of MIME-style
// encoders) skipped; anything else is InvalidArgument naming the offset. A "data:...;base64,"
// prefix (a data URL) is accepted and dropped.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace ragdb
