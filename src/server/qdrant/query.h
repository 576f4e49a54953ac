// The Query API's engine (qdrant/query.cc), for endpoints that translate their bodies into Query
// API bodies (qdrant/explore.cc: recommend, discover). Results are written as JSON text.
#pragma once

#include <string>
#include <vector>

#include "ragdb/database.h"

namespace ragdb::server {

// Runs one Query API body; appends its hits as a JSON array.
Status RunQueryToJson(Collection& col, const Json& body, std::vector<std::string>* warnings,
                      std::string* out);
// Runs several; appends an array of hit arrays.
Status RunQueriesToJson(Collection& col, const std::vector<Json>& bodies,
                        std::vector<std::string>* warnings, std::string* out);
// Runs a Query API body with group_by / group_size (its members already checked); appends
// {"groups": [...]}.
Status RunGroupsToJson(Collection& col, const Json& body, std::string* out);

}  // namespace ragdb::server
