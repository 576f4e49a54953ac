#include "cluster/etcd.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cluster/cluster_test_util.h"
#include "storage/test_util.h"

namespace ragdb::cluster {
namespace {

using ragdb::testing::TempDir;

class EtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::EtcdInstalled())
      GTEST_SKIP() << "etcd is not installed (scripts/install-deps.sh)";
    etcd_ = testing::StartEtcd(dir_.path());
    ASSERT_FALSE(etcd_.endpoint.empty()) << "etcd did not start; see " << dir_.path();
    // A dead endpoint first: every call must fail over to the live one.
    auto c = EtcdClient::Create(
        {"http://127.0.0.1:" + std::to_string(testing::FreePort()), etcd_.endpoint},
        std::chrono::seconds(5));
    ASSERT_TRUE(c.ok());
    client_ = std::move(c).value();
  }
  TempDir dir_;
  testing::Etcd etcd_;
  std::unique_ptr<EtcdClient> client_;
};

TEST(EtcdCodec, Base64AndPrefixEnd) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)).value(), s);
  }
  EXPECT_FALSE(Base64Decode("abc").ok());
  EXPECT_EQ(PrefixEnd("/a/"), "/a0");
  EXPECT_EQ(PrefixEnd(std::string("a\xff")), "b");
}

TEST_F(EtcdTest, KeysPrefixesAndTransactions) {
  ASSERT_TRUE(client_->Put("/t/a", "1").ok());
  ASSERT_TRUE(client_->Put("/t/b", std::string("bin\0ary", 7)).ok());
  ASSERT_TRUE(client_->Put("/u/c", "3").ok());
  auto a = client_->Get("/t/a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->value, "1");
  EXPECT_GT(a->create_revision, 0);
  EXPECT_EQ(client_->Get("/t/none")->create_revision, 0);
  int64_t rev = 0;
  auto list = client_->GetPrefix("/t/", &rev);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].value, std::string("bin\0ary", 7));
  EXPECT_GE(rev, a->mod_revision);
  // Create-if-absent: only the first succeeds.
  auto t1 = client_->Txn({{"/t/new", EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, 0, ""}},
                         {{EtcdOp::Kind::kPut, "/t/new", "x", 0}});
  auto t2 = client_->Txn({{"/t/new", EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, 0, ""}},
                         {{EtcdOp::Kind::kPut, "/t/new", "y", 0}},
                         {{EtcdOp::Kind::kGet, "/t/new", "", 0}});
  ASSERT_TRUE(t1.ok() && t2.ok());
  EXPECT_TRUE(t1->succeeded);
  EXPECT_FALSE(t2->succeeded);
  ASSERT_EQ(t2->gets.size(), 1u);
  EXPECT_EQ(t2->gets[0][0].value, "x");
  EXPECT_EQ(t2->gets[0][0].create_revision, t1->revision);  // create revision = the txn's
  ASSERT_TRUE(client_->DeletePrefix("/t/").ok());
  EXPECT_TRUE(client_->GetPrefix("/t/")->empty());
  EXPECT_EQ(client_->GetPrefix("/u/")->size(), 1u);
  EXPECT_GT(client_->failovers(), 0u);
}

// The fencing the write path rests on: a transaction guarded by the owner key's create revision
// fails once the lease that held the key expired, even if a new key of the same name exists.
TEST_F(EtcdTest, AnExpiredLeaseFencesItsEpoch) {
  auto lease = client_->GrantLease(1);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  auto own = client_->Txn({{"/o", EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, 0, ""}},
                          {{EtcdOp::Kind::kPut, "/o", "n1", *lease}});
  ASSERT_TRUE(own.ok() && own->succeeded);
  const int64_t epoch = own->revision;
  auto ttl = client_->KeepAlive(*lease);
  ASSERT_TRUE(ttl.ok()) << ttl.status().ToString();
  EXPECT_GE(*ttl, 1);
  auto write = [&](int64_t e) {
    return client_->Txn({{"/o", EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, e, ""}},
                        {{EtcdOp::Kind::kPut, "/head", "x", 0}});
  };
  EXPECT_TRUE(write(epoch)->succeeded);
  // No keep-alive for longer than the TTL: etcd drops the key.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  EXPECT_EQ(client_->KeepAlive(*lease).value(), 0);
  EXPECT_EQ(client_->Get("/o")->create_revision, 0);
  auto lease2 = client_->GrantLease(5);
  auto own2 = client_->Txn({{"/o", EtcdCompare::Target::kCreate, EtcdCompare::Op::kEqual, 0, ""}},
                           {{EtcdOp::Kind::kPut, "/o", "n2", *lease2}});
  ASSERT_TRUE(own2->succeeded);
  EXPECT_GT(own2->revision, epoch);
  EXPECT_FALSE(write(epoch)->succeeded);  // the old epoch can no longer write
  EXPECT_TRUE(write(own2->revision)->succeeded);
  EXPECT_TRUE(client_->RevokeLease(*lease2).ok());
  EXPECT_EQ(client_->Get("/o")->create_revision, 0);
}

// True once every thread of `pid` is stopped (state T in /proc), polling up to 2 s.
bool WaitUntilStopped(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    bool all = true;
    for (const auto& task :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
      std::ifstream stat(task.path() / "stat");
      std::string line;
      std::getline(stat, line);
      const size_t close = line.rfind(')');
      all &= close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'T';
    }
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// A member that stops answering for a while, between two dead ones: once it answers again,
// calls must find it, however far the client's rotation has gone round the list meanwhile.
// (The rotation once compared its counter with the member's index, so after one full turn it
// stopped moving and every call went to member 0 — here a dead one — for good.)
TEST_F(EtcdTest, FailoverKeepsRotatingAfterAFullTurn) {
  const std::string dead1 = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  const std::string dead2 = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  auto c = EtcdClient::Create({dead1, etcd_.endpoint, dead2}, std::chrono::milliseconds(600));
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(client_->Get("/x").ok());  // etcd is serving (its first answer can be slow)
  auto first = (*c)->Get("/x");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ::kill(etcd_.process.pid(), SIGSTOP);
  ASSERT_TRUE(WaitUntilStopped(etcd_.process.pid()));  // SIGSTOP takes effect asynchronously
  EXPECT_FALSE((*c)->Get("/x").ok());
  ::kill(etcd_.process.pid(), SIGCONT);
  for (int i = 0; i < 3; ++i) {
    auto got = (*c)->Get("/x");
    EXPECT_TRUE(got.ok()) << got.status().ToString();
  }
}

TEST(EtcdClientErrors, UnreachableClusterIsUnavailable) {
  auto c = EtcdClient::Create({"http://127.0.0.1:" + std::to_string(testing::FreePort())},
                              std::chrono::milliseconds(600));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Get("/x").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(EtcdClient::Create({"ftp://x:1"}, std::chrono::seconds(1)).status().code(),
            StatusCode::kInvalidArgument);
  HttpTlsOptions missing_ca;
  missing_ca.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(
      EtcdClient::Create({"https://x:1"}, std::chrono::seconds(1), missing_ca).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(EtcdClient::Create({}, std::chrono::seconds(1)).status().code(),
            StatusCode::kInvalidArgument);
}

// etcd serving https:// with a certificate from a CA the test makes, and asking for client
// certificates: the client verifies the server against the CA and presents its own.
TEST(EtcdTls, VerifiedServerAndClientCertificates) {
  if (!testing::EtcdInstalled()) GTEST_SKIP() << "etcd is not installed";
  TempDir dir;
  testing::TestCertificates certs;
  ASSERT_TRUE(testing::MakeTestCertificates(dir.path(), &certs)) << "openssl failed";
  testing::Etcd etcd = testing::StartEtcd(dir.path(), &certs, /*client_auth=*/true);
  ASSERT_FALSE(etcd.endpoint.empty());
  ASSERT_TRUE(etcd.endpoint.starts_with("https://"));

  HttpTlsOptions tls{certs.ca, certs.client_cert, certs.client_key};
  // etcd may take a moment to answer after its port opens; each call retries for 10 s.
  auto c = EtcdClient::Create({etcd.endpoint}, std::chrono::seconds(10), tls);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Status put = (*c)->Put("/tls/a", "1").status();
  ASSERT_TRUE(put.ok()) << put.ToString();
  EXPECT_EQ((*c)->Get("/tls/a")->value, "1");
  auto members = (*c)->Members();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_TRUE(members[0].healthy) << members[0].error;
  EXPECT_EQ(members[0].endpoint, etcd.endpoint);

  // The system's CAs do not know the test CA: the handshake fails, and says why.
  auto untrusting = EtcdClient::Create({etcd.endpoint}, std::chrono::seconds(2));
  ASSERT_TRUE(untrusting.ok());
  auto r = (*untrusting)->Get("/tls/a");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("TLS handshake"), std::string::npos) << r.status().message();
  // Trusting the CA but without a client certificate: etcd refuses the connection.
  HttpTlsOptions no_client_cert;
  no_client_cert.ca_file = certs.ca;
  auto anonymous = EtcdClient::Create({etcd.endpoint}, std::chrono::seconds(2), no_client_cert);
  ASSERT_TRUE(anonymous.ok());
  EXPECT_FALSE((*anonymous)->Get("/tls/a").ok());
  // Plain http:// to a TLS port does not work either.
  auto plain = EtcdClient::Create({"http://" + etcd.endpoint.substr(8)}, std::chrono::seconds(2));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE((*plain)->Get("/tls/a").ok());
}

}  // namespace
}  // namespace ragdb::cluster
