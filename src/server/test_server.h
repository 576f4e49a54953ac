// The server as `ragdb serve` wires it (App behind the HTTP transport), on an ephemeral loopback
// port without an access log, for the tests that talk HTTP to a real database.
#pragma once

#include <memory>
#include <string>

#include "ragdb/rag.h"
#include "server/app.h"
#include "server/config.h"
#include "server/http_server.h"

namespace ragdb::server::testing {

class TestServer {
 public:
  // `config.http` keeps its limits and thread counts; port and access log are set here.
  static Result<std::unique_ptr<TestServer>> Start(const std::string& data_dir, ServerConfig config,
                                                   rag::LlmConfig llm = {});
  ~TestServer();  // shuts the transport down, then closes the databases

  int port() const { return http_->port(); }
  App& app() { return *app_; }

 private:
  TestServer() = default;
  std::unique_ptr<App> app_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace ragdb::server::testing
