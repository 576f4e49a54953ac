#include "cluster/cluster_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace ragdb::cluster::testing {

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

bool WaitForPort(int port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Child Child::Spawn(const std::vector<std::string>& argv, const std::string& log_file) {
  Child c;
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  c.pid_ = pid;
  return c;
}

Child& Child::operator=(Child&& o) noexcept {
  Kill();
  pid_ = o.pid_;
  o.pid_ = -1;
  return *this;
}

Child::~Child() { Kill(); }

void Child::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool EtcdInstalled() { return std::system("command -v etcd >/dev/null 2>&1") == 0; }

bool MakeTestCertificates(const std::string& dir, TestCertificates* out) {
  const std::string d = dir + "/certs";
  // A CA, then a server certificate for 127.0.0.1 and a client certificate, both signed by it. The
  // server's may also authenticate as a client: etcd's JSON gateway dials etcd's own gRPC port
  // with it, which --client-cert-auth checks.
  const std::string script =
      "set -e; mkdir -p '" + d + "'; cd '" + d +
      "'; "
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ragdb-test-ca "
      "-keyout ca.key -out ca.pem; "
      "printf "
      "'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\\n' "
      "> server.ext; "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr; "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile server.ext -out server.pem; "
      "printf 'extendedKeyUsage=clientAuth\\n' > client.ext; "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=ragdb-node -keyout client.key -out "
      "client.csr; "
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile client.ext -out client.pem";
  const std::string cmd = "sh -c \"" + script + "\" > '" + dir + "/openssl.log' 2>&1";
  if (std::system(cmd.c_str()) != 0) return false;
  *out = {d + "/ca.pem", d + "/server.pem", d + "/server.key", d + "/client.pem",
          d + "/client.key"};
  return true;
}

Etcd StartEtcd(const std::string& dir, const TestCertificates* tls, bool client_auth) {
  Etcd e;
  const int client = FreePort(), peer = FreePort();
  const std::string c = (tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(client);
  const std::string p = "http://127.0.0.1:" + std::to_string(peer);
  std::vector<std::string> argv = {"etcd",
                                   "--name",
                                   "t",
                                   "--data-dir",
                                   dir + "/etcd",
                                   "--listen-client-urls",
                                   c,
                                   "--advertise-client-urls",
                                   c,
                                   "--listen-peer-urls",
                                   p,
                                   "--initial-advertise-peer-urls",
                                   p,
                                   "--initial-cluster",
                                   "t=" + p};
  if (tls) {
    argv.insert(argv.end(), {"--cert-file", tls->server_cert, "--key-file", tls->server_key});
    if (client_auth) argv.insert(argv.end(), {"--client-cert-auth", "--trusted-ca-file", tls->ca});
  }
  e.process = Child::Spawn(argv, dir + "/etcd.log");
  if (WaitForPort(client, 15000)) e.endpoint = c;
  return e;
}

}  // namespace ragdb::cluster::testing
