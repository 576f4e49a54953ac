#include "server/test_server.h"

namespace ragdb::server::testing {

Result<std::unique_ptr<TestServer>> TestServer::Start(const std::string& data_dir,
                                                      ServerConfig config, rag::LlmConfig llm) {
  config.http.port = 0;
  config.http.access_log = false;
  RAGDB_ASSIGN_OR_RETURN(auto auth, AuthStore::Open(data_dir, config));
  std::unique_ptr<TestServer> s(new TestServer());
  s->app_ = std::make_unique<App>(data_dir, config, std::move(auth));
  s->app_->set_llm(std::move(llm));
  App* a = s->app_.get();
  RAGDB_ASSIGN_OR_RETURN(s->http_,
                         HttpServer::Start(
                             config.http, [a](const HttpRequest& r) { return a->Handle(r); },
                             [a](const HttpRequest& r) { return a->RunsInline(r); }));
  s->app_->set_http_server(s->http_.get());
  return s;
}

TestServer::~TestServer() {
  if (http_) http_->Shutdown();
  http_.reset();
  app_.reset();
}

}  // namespace ragdb::server::testing
