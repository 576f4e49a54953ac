// One ragdb::Database per tenant: the default tenant at DATA itself, tenant T at
// DATA/tenants/T. Databases open on first use and stay open until shutdown.
//
// Requests hold a Lease (a shared lock on their tenant) while they use its database; snapshot
// recovery and tenant deletion take the lock exclusively to close the database and change its
// folder. Writes to a collection also hold its write gate shared, and taking a snapshot holds it
// exclusively, so the copied files are those of one consistent state (the engine changes a
// collection's files only inside writes).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "rag/kb_catalog.h"
#include "ragdb/database.h"

namespace ragdb::server {

class TenantDbs {
 public:
  TenantDbs(std::string root, DatabaseOptions options);
  ~TenantDbs();

  std::string TenantPath(const std::string& tenant) const;

  // How a tenant's database is opened (default: Database::Open of its folder). Cluster mode
  // serves the cluster as the default tenant. Set before the first Acquire.
  using Opener = std::function<Result<std::unique_ptr<Database>>(const std::string& tenant,
                                                                 const std::string& path)>;
  void set_opener(Opener opener) { opener_ = std::move(opener); }

  class Lease {
   public:
    Database* db() const { return db_; }
    Database* operator->() const { return db_; }
    // The tenant's knowledge bases, shared by every request (and /mcp).
    const std::shared_ptr<rag::KbCatalog>& kbs() const { return kbs_; }

   private:
    friend class TenantDbs;
    std::shared_lock<std::shared_mutex> lock_;
    Database* db_ = nullptr;
    std::shared_ptr<rag::KbCatalog> kbs_;
  };
  // The tenant's database, opening it when needed.
  Result<Lease> Acquire(const std::string& tenant);

  // Closes the tenant's database, runs fn(path) with nothing open there, and lets the next
  // Acquire reopen it.
  Status WithClosed(const std::string& tenant, const std::function<Status(const std::string&)>& fn);

  // Held shared by writes to the collection, exclusively by snapshots of it.
  std::shared_ptr<std::shared_mutex> WriteGate(const std::string& tenant,
                                               const std::string& collection);

  // Calls fn for every open database (for /metrics).
  void ForEachOpen(const std::function<void(const std::string& tenant, Database& db)>& fn);

  // Closes every database (each fsyncs and releases its lock).
  void CloseAll();

 private:
  struct Slot {
    std::shared_mutex mu;
    std::unique_ptr<Database> db;
    std::shared_ptr<rag::KbCatalog> kbs;  // reset before db: it refers to it
    void Close() {
      kbs.reset();
      db.reset();
    }
  };
  std::shared_ptr<Slot> SlotFor(const std::string& tenant);

  const std::string root_;
  const DatabaseOptions options_;
  Opener opener_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<std::shared_mutex>> gates_;
};

}  // namespace ragdb::server
