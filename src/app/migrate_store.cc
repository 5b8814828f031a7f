#include "app/migrate_store.h"

#include <boost/json.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <unordered_set>
#include <vector>

#include "app/data_dir.h"
#include "crypto/random.h"
#include "domain/clock.h"
#include "service/audit.h"
#include "service/bootstrap.h"
#include "service/principal_service.h"
#include "store/postgres/postgres_store.h"

namespace latchkey::app {
namespace {

constexpr int kPageSize = 1000;  // the largest page a listing allows (store::PageRequest)

// Calls `fn` on every item of a paged listing; `list` fetches one page.
template <typename T>
Status ForEachListed(const std::function<Result<store::Page<T>>(const store::PageRequest&)>& list,
                     const std::function<Status(const T&)>& fn) {
  store::PageRequest page{.cursor = "", .limit = kPageSize};
  do {
    LK_ASSIGN_OR_RETURN(store::Page<T> batch, list(page));
    for (const T& item : batch.items) LK_RETURN_IF_ERROR(fn(item));
    page.cursor = std::move(batch.next_cursor);
  } while (!page.cursor.empty());
  return Status::Ok();
}

Status ForEachNamespace(store::Transaction& tx,
                        const std::function<Status(const domain::Namespace&)>& fn) {
  return ForEachListed<domain::Namespace>(
      [&](const store::PageRequest& page) { return tx.ListNamespaces({}, page); }, fn);
}

Status ForEachPrincipal(store::Transaction& tx,
                        const std::function<Status(const domain::Principal&)>& fn) {
  return ForEachListed<domain::Principal>(
      [&](const store::PageRequest& page) { return tx.ListPrincipals({}, page); }, fn);
}

Status ForEachKey(store::Transaction& tx, const std::function<Status(const domain::ApiKey&)>& fn) {
  return ForEachListed<domain::ApiKey>(
      [&](const store::PageRequest& page) { return tx.ListKeys({}, page); }, fn);
}

Status ForEachGroup(store::Transaction& tx, const std::function<Status(const domain::Group&)>& fn) {
  return ForEachListed<domain::Group>(
      [&](const store::PageRequest& page) { return tx.ListGroups({}, page); }, fn);
}

Status ForEachAuditEvent(store::Transaction& tx,
                         const std::function<Status(const domain::AuditEvent&)>& fn) {
  return ForEachListed<domain::AuditEvent>(
      [&](const store::PageRequest& page) { return tx.ListAuditEvents({}, page); }, fn);
}

// The value of setting `name`, or std::nullopt when it is not set.
Result<std::optional<std::string>> ReadSetting(store::Transaction& tx, std::string_view name) {
  Result<std::string> value = tx.GetSetting(std::string(name));
  if (value.ok()) return std::optional<std::string>(std::move(*value));
  if (value.status().code() == ErrorCode::kNotFound) return std::optional<std::string>();
  return value.status();
}

// kConflict unless the store holds nothing: no setting of an initialized store and no row of
// any kind that CopyStore writes.
Status RequireEmpty(store::Transaction& tx) {
  for (std::string_view name : CopiedSettings()) {
    LK_ASSIGN_OR_RETURN(auto value, ReadSetting(tx, name));
    if (value) {
      return Conflict("the target is not empty: it holds setting " + std::string(name) +
                      " (it was initialized, or a node was started on it)");
    }
  }
  const store::PageRequest one{.cursor = "", .limit = 1};
  auto refuse = [](const char* what) {
    return Conflict(std::string("the target is not empty: it holds ") + what);
  };
  LK_ASSIGN_OR_RETURN(auto namespaces, tx.ListNamespaces({}, one));
  if (!namespaces.items.empty()) return refuse("namespaces");
  LK_ASSIGN_OR_RETURN(auto principals, tx.ListPrincipals({}, one));
  if (!principals.items.empty()) return refuse("principals");
  LK_ASSIGN_OR_RETURN(auto keys, tx.ListKeys({}, one));
  if (!keys.items.empty()) return refuse("keys");
  LK_ASSIGN_OR_RETURN(auto groups, tx.ListGroups({}, one));
  if (!groups.items.empty()) return refuse("groups");
  LK_ASSIGN_OR_RETURN(auto last_event, tx.LastAuditEvent());
  if (last_event) return refuse("audit events");
  return Status::Ok();
}

// Inserts `namespaces` so that a parent always precedes its children. Creation order does so
// today (the API never changes a parent_id), but the store does not promise it.
Status InsertNamespacesParentsFirst(store::Transaction& dst,
                                    const std::vector<domain::Namespace>& namespaces) {
  std::unordered_set<std::string> all;
  for (const auto& ns : namespaces) all.insert(ns.id);
  std::unordered_set<std::string> inserted;
  while (inserted.size() < namespaces.size()) {
    std::size_t before = inserted.size();
    for (const auto& ns : namespaces) {
      if (inserted.contains(ns.id)) continue;
      // A parent outside the source (which its references forbid) fails in InsertNamespace.
      bool parent_ready =
          !ns.parent_id || inserted.contains(*ns.parent_id) || !all.contains(*ns.parent_id);
      if (!parent_ready) continue;
      LK_RETURN_IF_ERROR(dst.InsertNamespace(ns));
      inserted.insert(ns.id);
    }
    if (inserted.size() == before) return Internal("the source's namespaces have a parent cycle");
  }
  return Status::Ok();
}

Status CopyNamespaces(store::Transaction& src, store::Transaction& dst, StoreCounts& counts) {
  std::vector<domain::Namespace> namespaces;
  LK_RETURN_IF_ERROR(ForEachNamespace(src, [&](const domain::Namespace& ns) {
    namespaces.push_back(ns);
    return Status::Ok();
  }));
  LK_RETURN_IF_ERROR(InsertNamespacesParentsFirst(dst, namespaces));
  counts.namespaces = static_cast<std::int64_t>(namespaces.size());
  return Status::Ok();
}

Status CopyPrincipalsAndPasswords(store::Transaction& src, store::Transaction& dst,
                                  domain::UnixMillis now, StoreCounts& counts) {
  return ForEachPrincipal(src, [&](const domain::Principal& p) -> Status {
    LK_RETURN_IF_ERROR(dst.InsertPrincipal(p));
    ++counts.principals;
    if (!p.has_password) return Status::Ok();
    LK_ASSIGN_OR_RETURN(std::string hash, src.GetPasswordHash(p.id));
    LK_RETURN_IF_ERROR(dst.SetPasswordHash(p.id, hash, now));
    ++counts.passwords;
    return Status::Ok();
  });
}

Status CopyKeysAndGroups(store::Transaction& src, store::Transaction& dst, StoreCounts& counts) {
  LK_RETURN_IF_ERROR(ForEachKey(src, [&](const domain::ApiKey& key) -> Status {
    ++counts.keys;
    return dst.InsertKey(key);
  }));
  return ForEachGroup(src, [&](const domain::Group& group) -> Status {
    ++counts.groups;
    counts.group_members += static_cast<std::int64_t>(group.members.size());
    return dst.InsertGroup(group);
  });
}

Status CopyAuditAndSettings(store::Transaction& src, store::Transaction& dst, StoreCounts& counts) {
  LK_RETURN_IF_ERROR(ForEachAuditEvent(src, [&](const domain::AuditEvent& event) -> Status {
    ++counts.audit_events;
    counts.last_audit_hash = event.hash;
    return dst.AppendAuditEvent(event);
  }));
  for (std::string_view name : CopiedSettings()) {
    LK_ASSIGN_OR_RETURN(auto value, ReadSetting(src, name));
    if (!value) continue;
    LK_RETURN_IF_ERROR(dst.PutSetting(std::string(name), *value));
    ++counts.settings;
  }
  return Status::Ok();
}

int Fail(const std::string& what, const Status& status) {  // the form of serve.cc's Fail
  std::cerr << "latchkey: " << what << ": " << status.message() << "\n";
  return 1;
}

std::string DescribeCounts(const StoreCounts& c) {
  return std::to_string(c.namespaces) + " namespaces, " + std::to_string(c.principals) +
         " principals, " + std::to_string(c.passwords) + " console passwords, " +
         std::to_string(c.keys) + " keys, " + std::to_string(c.groups) + " groups, " +
         std::to_string(c.group_members) + " memberships, " + std::to_string(c.audit_events) +
         " audit events (last hash " + (c.last_audit_hash.empty() ? "-" : c.last_audit_hash) +
         "), " + std::to_string(c.settings) + " settings";
}

// Checks that `target` now holds what was copied and what `source` still holds, and that the
// target's audit chain verifies as the source's does. The report of the target's chain on
// success.
Result<service::AuditChainReport> CheckCopy(store::Store& source, store::Store& target,
                                            const StoreCounts& copied) {
  LK_ASSIGN_OR_RETURN(StoreCounts in_target, CountStore(target));
  if (in_target != copied) {
    return Internal("PostgreSQL holds " + DescribeCounts(in_target) + " but " +
                    DescribeCounts(copied) + " were copied");
  }
  LK_ASSIGN_OR_RETURN(StoreCounts in_source, CountStore(source));
  if (in_source != copied) {
    return Conflict(
        "the data directory changed during the copy (is a latchkey server still "
        "running on it?): it now holds " +
        DescribeCounts(in_source));
  }
  LK_ASSIGN_OR_RETURN(service::AuditChainReport target_chain, service::VerifyAuditChain(target));
  LK_ASSIGN_OR_RETURN(service::AuditChainReport source_chain, service::VerifyAuditChain(source));
  if (target_chain.first_broken != source_chain.first_broken) {
    return Internal(
        "the copied audit chain does not verify as the original does: " +
        (target_chain.ok() ? std::string("the original is broken") : target_chain.problem));
  }
  return target_chain;
}

void PrintJson(const StoreCounts& c, const service::AuditChainReport& chain) {
  boost::json::object out{{"namespaces", c.namespaces},
                          {"principals", c.principals},
                          {"console_passwords", c.passwords},
                          {"keys", c.keys},
                          {"groups", c.groups},
                          {"group_members", c.group_members},
                          {"audit_events", c.audit_events},
                          {"last_audit_hash", c.last_audit_hash},
                          {"settings", c.settings},
                          {"audit_chain_ok", chain.ok()}};
  std::cout << boost::json::serialize(out) << std::endl;
}

void PrintSummary(const MigrateStoreOptions& options, const StoreCounts& c,
                  const service::AuditChainReport& chain) {
  std::string target = RedactedUrl(options.to_url);
  if (!options.to_schema.empty()) target += " (schema " + options.to_schema + ")";
  std::cout << "latchkey: copied " << options.data_dir << " into " << target
            << " in one transaction\n"
            << "  namespaces         " << c.namespaces << "\n"
            << "  principals         " << c.principals << " (console passwords: " << c.passwords
            << ")\n"
            << "  keys               " << c.keys << "\n"
            << "  groups             " << c.groups << " (memberships: " << c.group_members << ")\n"
            << "  audit events       " << c.audit_events << "\n"
            << "  settings           " << c.settings << "\n"
            << "checked: PostgreSQL holds the same counts and the same last audit event hash ("
            << (c.last_audit_hash.empty() ? "-" : c.last_audit_hash) << "); its audit chain "
            << (chain.ok() ? "verifies" : "is broken exactly where the original's is") << " ("
            << chain.checked << " events)\n"
            << "not copied: console sessions (console users sign in again)\n";
}

void PrintNextSteps(const MigrateStoreOptions& options) {
  const char* env_pepper = std::getenv("LATCHKEY_PEPPER");
  bool pepper_from_env = env_pepper != nullptr && *env_pepper != '\0';
  std::cout << "next steps:\n"
            << "  1. keep the server on " << options.data_dir
            << " stopped: changes made there from now on are not in PostgreSQL\n";
  if (pepper_from_env) {
    std::cout << "  2. give every node the same pepper: set LATCHKEY_PEPPER to the value used "
                 "here on each of them\n";
  } else {
    std::cout << "  2. give every node the same pepper: copy " << options.data_dir
              << "/pepper (mode 0600) into each node's data directory, or set LATCHKEY_PEPPER "
                 "to its contents\n";
  }
  std::cout << "     (only key digests were copied, never secrets: keys verify with this pepper "
               "only)\n"
            << "  3. start each node on PostgreSQL: latchkey serve --store '"
            << RedactedUrl(options.to_url) << "' --data DIR (DIR: where the pepper is)\n";
  if (!options.to_schema.empty()) {
    // `serve` takes no schema: its store follows the search_path of its connections.
    std::cout << "     the nodes find schema " << options.to_schema
              << " through their search_path: ALTER ROLE <user> SET search_path = "
              << options.to_schema << " (or ALTER DATABASE <db> SET ...)\n";
  }
  std::cout << std::flush;
}

}  // namespace

std::array<std::string_view, 3> CopiedSettings() {
  // The record of the pepper the store was initialized with (app/data_dir.h): the same pepper
  // serves the copy, so the record holds there too.
  return {service::kInitializedSetting, service::kRootNamespaceSetting, kPepperCheckSetting};
}

Result<StoreCounts> CountStore(store::Store& store) {
  StoreCounts c;
  LK_RETURN_IF_ERROR(store.Read([&](store::Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(ForEachNamespace(tx, [&](const domain::Namespace&) {
      ++c.namespaces;
      return Status::Ok();
    }));
    LK_RETURN_IF_ERROR(ForEachPrincipal(tx, [&](const domain::Principal& p) {
      ++c.principals;
      c.passwords += p.has_password ? 1 : 0;
      return Status::Ok();
    }));
    LK_ASSIGN_OR_RETURN(c.keys, tx.CountKeys({}));
    LK_RETURN_IF_ERROR(ForEachGroup(tx, [&](const domain::Group& g) {
      ++c.groups;
      c.group_members += static_cast<std::int64_t>(g.members.size());
      return Status::Ok();
    }));
    LK_RETURN_IF_ERROR(ForEachAuditEvent(tx, [&](const domain::AuditEvent& e) {
      ++c.audit_events;
      c.last_audit_hash = e.hash;
      return Status::Ok();
    }));
    for (std::string_view name : CopiedSettings()) {
      LK_ASSIGN_OR_RETURN(auto value, ReadSetting(tx, name));
      c.settings += value ? 1 : 0;
    }
    return Status::Ok();
  }));
  return c;
}

Result<StoreCounts> CopyStore(store::Store& source, store::Store& target, domain::UnixMillis now) {
  StoreCounts counts;
  // One snapshot of the source for the whole copy, one transaction on the target: a failure
  // anywhere rolls the target back to empty.
  LK_RETURN_IF_ERROR(source.Read([&](store::Transaction& src) -> Status {
    return target.Write([&](store::Transaction& dst) -> Status {
      LK_RETURN_IF_ERROR(RequireEmpty(dst));
      LK_RETURN_IF_ERROR(CopyNamespaces(src, dst, counts));
      LK_RETURN_IF_ERROR(CopyPrincipalsAndPasswords(src, dst, now, counts));
      LK_RETURN_IF_ERROR(CopyKeysAndGroups(src, dst, counts));
      return CopyAuditAndSettings(src, dst, counts);
    });
  }));
  return counts;
}

int RunMigrateStore(const MigrateStoreOptions& options) {
  crypto::OsRandom random;
  // create=false: a missing directory, database or pepper is refused, and nothing is created.
  auto source = OpenDataDir(options.data_dir, /*create=*/false, random);
  if (!source.ok()) return Fail("cannot open data directory " + options.data_dir, source.status());
  if (!source->initialized) {
    return Fail("cannot migrate " + options.data_dir,
                NotFound("it is not initialized: there is nothing to copy"));
  }
  std::string target_name = RedactedUrl(options.to_url);
  auto target =
      store::postgres::PostgresStore::Open({.url = options.to_url, .schema = options.to_schema});
  if (!target.ok()) return Fail("cannot open PostgreSQL store " + target_name, target.status());
  domain::SystemClock clock;
  auto copied = CopyStore(*source->store, **target, clock.NowMillis());
  if (!copied.ok()) {
    return Fail(
        "cannot migrate " + options.data_dir + " to " + target_name + " (nothing was written)",
        copied.status());
  }
  auto chain = CheckCopy(*source->store, **target, *copied);
  if (!chain.ok()) {
    return Fail("the copy in " + target_name +
                    " does not match; drop that database (or schema) and run migrate-store again",
                chain.status());
  }
  if (options.json) {
    PrintJson(*copied, *chain);
  } else {
    PrintSummary(options, *copied, *chain);
    PrintNextSteps(options);
  }
  return 0;
}

}  // namespace latchkey::app
