// The one table from ragdb::StatusCode to HTTP status codes.
#pragma once

#include "ragdb/status.h"

namespace ragdb::server {

// ResourceExhausted is 413 by default (a record or request over a documented size limit);
// pass `overload = true` where it means "too many requests right now" (429).
int HttpStatusFor(StatusCode code, bool overload = false);

}  // namespace ragdb::server
