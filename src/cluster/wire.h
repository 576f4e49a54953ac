// JSON forms of the requests and results that travel between nodes (scatter-gather reads). They
// carry every field of the request structs of ragdb/database.h, floats exactly (a float printed
// as a double reads back to the same float), and are checked strictly when read.
#pragma once

#include <vector>

#include "ragdb/database.h"
#include "text/bm25.h"

namespace ragdb::cluster {

Json ToJson(const SearchRequest& r);
Result<SearchRequest> SearchRequestFromJson(const Json& j);
Json ToJson(const TextSearchRequest& r);
Result<TextSearchRequest> TextSearchRequestFromJson(const Json& j);
Json ToJson(const SparseSearchRequest& r);
Result<SparseSearchRequest> SparseSearchRequestFromJson(const Json& j);
Json ToJson(const ScrollRequest& r);
Result<ScrollRequest> ScrollRequestFromJson(const Json& j);

Json ToJson(const std::vector<ScoredPoint>& points);
Result<std::vector<ScoredPoint>> PointsFromJson(const Json& j);
Json ToJson(const ScrollPage& page);
Result<ScrollPage> ScrollPageFromJson(const Json& j);
Json ToJson(const text::CollectionStats& s);
Result<text::CollectionStats> StatsFromJson(const Json& j);

Json FilterJson(const std::optional<Filter>& f);  // null when unset
Result<std::optional<Filter>> FilterFromJson(const Json& j);

}  // namespace ragdb::cluster
