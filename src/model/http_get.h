// A blocking HTTP(S) GET that streams the body to a file, for downloading model files. Boost.Beast
// + OpenSSL; the peer certificate is verified against the system store for https. Redirects are
// followed (the Hugging Face hub answers 302 to a CDN for large files).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "ragdb/status.h"

namespace ragdb::model {

struct HttpGetOptions {
  std::chrono::milliseconds connect_timeout{10000};
  // Longest silence while waiting for the header or the next body bytes.
  std::chrono::milliseconds read_timeout{60000};
  int max_redirects = 10;
  // Called as bytes arrive: (bytes so far, Content-Length or -1).
  std::function<void(uint64_t, int64_t)> progress;
};

struct HttpGetResult {
  int status = 0;
  // Headers of the final response, lower-case names; "x-linked-etag" and "x-linked-size" are
  // also kept from redirect responses, since the hub sends them only on the first hop.
  std::map<std::string, std::string> headers;
  int64_t content_length = -1;  // of the final response; -1 when absent
  uint64_t bytes = 0;           // body bytes written to the file
  std::string final_url;
};

// GETs `url` and writes a 2xx body to `dest` (created or truncated); non-2xx bodies are discarded
// and `dest` is not created. Errors: Unavailable when the host cannot be resolved or reached
// ("cannot reach HOST: ..."), DeadlineExceeded on timeouts, IOError when the connection ends
// before Content-Length bytes arrived or the file cannot be written.
Result<HttpGetResult> HttpGetToFile(const std::string& url, const std::string& dest,
                                    const HttpGetOptions& options = {});

}  // namespace ragdb::model
