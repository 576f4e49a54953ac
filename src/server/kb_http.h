// Pieces shared by the HTTP endpoints that use knowledge bases or models (kb_api.cc,
// chat_api.cc, openai_api.cc).
#pragma once

#include <memory>
#include <set>
#include <string>

#include "ragdb/rag.h"
#include "server/app.h"

namespace ragdb::server {

// "hash" / "hash:DIM" as they are, or the folder of a model installed with `ragdb model pull`.
// Folder paths are refused: a remote client must not load, or probe for, server folders.
Result<std::string> ResolveServerModel(const std::string& name);

// The caller's tenant's knowledge base `name` (NotFound when it does not exist).
Result<std::shared_ptr<rag::KnowledgeBase>> OpenKb(Ctx& ctx, const std::string& name);

// A document row as the API shows it: without the internal `kind` and `input_metadata`.
Json DocumentJson(Json row);

// The largest page the browsing endpoints return (?limit=).
inline constexpr size_t kMaxPageSize = 1000;

// A non-negative integer query parameter: `def` when absent, InvalidArgument when it is not
// digits or exceeds `max`.
Result<size_t> QueryUint(const HttpRequest& req, std::string_view name, size_t def, size_t max);

// Retrieval options in request bodies: k, filter (expression string or Qdrant filter object),
// candidates, max_per_document, token_budget, merge_neighbors, reranker (installed model),
// mode (hybrid | dense | bm25 | sparse), fusion (rrf | weighted), weights ({"dense", "bm25",
// "sparse"}).
std::set<std::string> RetrieveFieldNames(std::set<std::string> extra);
Result<rag::RetrieveOptions> RetrieveOptionsFromJson(const Json& body);

}  // namespace ragdb::server
