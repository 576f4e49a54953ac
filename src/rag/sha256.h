// SHA-256 content hashes (OpenSSL), used to tell whether a document changed since it was ingested.
#pragma once

#include <string>
#include <string_view>

namespace ragdb::rag {

// Lower-case hex digest (64 characters).
std::string Sha256Hex(std::string_view data);

}  // namespace ragdb::rag
