// Test helpers: real etcd and s3rver processes on loopback, started and stopped by the tests.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ragdb::cluster::testing {

// A free TCP port on 127.0.0.1 (bound and released; races are unlikely on a test machine).
int FreePort();
// True once 127.0.0.1:port accepts connections, polling up to timeout_ms.
bool WaitForPort(int port, int timeout_ms);

// A child process, killed (SIGKILL) and reaped when destroyed.
class Child {
 public:
  Child() = default;
  // Starts argv[0] (searched in PATH) with its output in `log_file`.
  static Child Spawn(const std::vector<std::string>& argv, const std::string& log_file);
  Child(Child&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Child& operator=(Child&& o) noexcept;
  ~Child();
  pid_t pid() const { return pid_; }
  void Kill();

 private:
  pid_t pid_ = -1;
};

// A private CA and certificates signed by it (openssl's command line), in `dir`: for 127.0.0.1
// (server.pem / server.key) and for a client (client.pem / client.key). False when openssl failed.
struct TestCertificates {
  std::string ca, server_cert, server_key, client_cert, client_key;
};
bool MakeTestCertificates(const std::string& dir, TestCertificates* out);

// One etcd member on free ports, data in `dir`; empty endpoint when it did not start. With
// `tls`, it serves https:// with the server certificate, and with `client_auth` it wants a client
// certificate signed by the CA (--client-cert-auth).
struct Etcd {
  Child process;
  std::string endpoint;  // http[s]://127.0.0.1:PORT
};
bool EtcdInstalled();
Etcd StartEtcd(const std::string& dir, const TestCertificates* tls = nullptr,
               bool client_auth = false);

}  // namespace ragdb::cluster::testing
