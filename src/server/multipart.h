// multipart/form-data bodies (RFC 7578), as browsers, curl -F and HTTP client libraries send file
// uploads. The parts point into the body, which must outlive them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::server {

struct MultipartPart {
  std::string name;          // the form field's name
  std::string filename;      // set for file fields (may be empty for plain fields)
  std::string content_type;  // the part's Content-Type; empty when absent
  std::string_view data;
};

// True when the Content-Type header says multipart/form-data.
bool IsMultipartFormData(std::string_view content_type);

// Parses `body` using the boundary of `content_type`. Errors name what is wrong: no boundary,
// a missing closing delimiter, a part without a name, more than `max_parts` parts.
Result<std::vector<MultipartPart>> ParseMultipart(std::string_view content_type,
                                                  std::string_view body, size_t max_parts = 1000);

}  // namespace ragdb::server
