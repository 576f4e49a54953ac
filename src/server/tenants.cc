#include "server/tenants.h"

#include <cstdio>

#include "base/file.h"
#include "base/log.h"
#include "server/auth.h"

namespace ragdb::server {

TenantDbs::TenantDbs(std::string root, DatabaseOptions options)
    : root_(std::move(root)), options_(options) {}

TenantDbs::~TenantDbs() { CloseAll(); }

std::string TenantDbs::TenantPath(const std::string& tenant) const {
  if (tenant == kDefaultTenant) return root_;
  return JoinPath(JoinPath(root_, "tenants"), tenant);
}

std::shared_ptr<TenantDbs::Slot> TenantDbs::SlotFor(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& s = slots_[tenant];
  if (!s) s = std::make_shared<Slot>();
  return s;
}

Result<TenantDbs::Lease> TenantDbs::Acquire(const std::string& tenant) {
  RAGDB_RETURN_IF_ERROR(ValidateTenantName(tenant));
  auto slot = SlotFor(tenant);
  for (;;) {
    {
      std::shared_lock<std::shared_mutex> lock(slot->mu);
      if (slot->db) {
        Lease l;
        l.db_ = slot->db.get();
        l.kbs_ = slot->kbs;
        l.lock_ = std::move(lock);
        return l;
      }
    }
    std::unique_lock<std::shared_mutex> lock(slot->mu);
    if (!slot->db) {
      RAGDB_ASSIGN_OR_RETURN(slot->db, opener_ ? opener_(tenant, TenantPath(tenant))
                                               : Database::Open(TenantPath(tenant), options_));
      slot->kbs = std::make_shared<rag::KbCatalog>(*slot->db);
      for (const auto& note : slot->db->RecoveryNotes()) {
        log::Warn("db.recovery", note, {{"tenant", tenant}});
      }
    }
  }
}

Status TenantDbs::WithClosed(const std::string& tenant,
                             const std::function<Status(const std::string&)>& fn) {
  RAGDB_RETURN_IF_ERROR(ValidateTenantName(tenant));
  auto slot = SlotFor(tenant);
  std::unique_lock<std::shared_mutex> lock(slot->mu);
  slot->Close();
  return fn(TenantPath(tenant));
}

std::shared_ptr<std::shared_mutex> TenantDbs::WriteGate(const std::string& tenant,
                                                        const std::string& collection) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& g = gates_[{tenant, collection}];
  if (!g) g = std::make_shared<std::shared_mutex>();
  return g;
}

void TenantDbs::ForEachOpen(const std::function<void(const std::string&, Database&)>& fn) {
  std::vector<std::pair<std::string, std::shared_ptr<Slot>>> slots;
  {
    std::lock_guard<std::mutex> lock(mu_);
    slots.assign(slots_.begin(), slots_.end());
  }
  for (auto& [name, slot] : slots) {
    std::shared_lock<std::shared_mutex> lock(slot->mu);
    if (slot->db) fn(name, *slot->db);
  }
}

void TenantDbs::CloseAll() {
  std::vector<std::shared_ptr<Slot>> slots;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [n, s] : slots_) slots.push_back(s);
  }
  for (auto& slot : slots) {
    std::unique_lock<std::shared_mutex> lock(slot->mu);
    slot->Close();
  }
}

}  // namespace ragdb::server
