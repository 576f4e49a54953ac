// The C API's knowledge-base functions in builds without the knowledge-base layer (the edge
// preset): present for the ABI, each one says what the build lacks.
#include "capi/capi_util.h"
#include "ragdb/ragdb.h"

namespace {

ragdb_code NoKnowledgeBases() {
  return ragdb::capi::Report(ragdb::Status::Unimplemented(
      "this build has no knowledge bases (built without the rag layer, as the edge preset is)"));
}

}  // namespace

extern "C" {

void ragdb_kb_options_init(ragdb_kb_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}
ragdb_code ragdb_kb_open(ragdb_db*, const char*, const ragdb_kb_options*, ragdb_kb**) {
  return NoKnowledgeBases();
}
void ragdb_kb_release(ragdb_kb*) {}
ragdb_code ragdb_kb_drop(ragdb_db*, const char*) { return NoKnowledgeBases(); }
ragdb_code ragdb_kb_ingest_path(ragdb_kb*, const char*, char**) { return NoKnowledgeBases(); }
ragdb_code ragdb_kb_ingest_text(ragdb_kb*, const char*, const char*, const char*, char**) {
  return NoKnowledgeBases();
}
void ragdb_retrieve_options_init(ragdb_retrieve_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}
ragdb_code ragdb_kb_retrieve(const ragdb_kb*, const char*, const ragdb_retrieve_options*, char**) {
  return NoKnowledgeBases();
}
void ragdb_llm_options_init(ragdb_llm_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}
ragdb_code ragdb_kb_ask(const ragdb_kb*, const char*, const ragdb_retrieve_options*,
                        const ragdb_llm_options*, char**) {
  return NoKnowledgeBases();
}

}  // extern "C"
