#include "service/change_feed.h"

#include <set>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "service/bootstrap.h"
#include "service/group_service.h"

namespace latchkey::service {
namespace {

// The entities a batch of changes names, each once.
struct Touched {
  std::set<std::string> namespaces, principals, keys, capabilities;
};

Touched Collect(const std::vector<store::Change>& changes) {
  Touched t;
  for (const store::Change& c : changes) {
    switch (c.kind) {
      case store::ChangeKind::kNamespace:
        t.namespaces.insert(c.id);
        break;
      case store::ChangeKind::kPrincipal:
        t.principals.insert(c.id);
        break;
      case store::ChangeKind::kKey:
        t.keys.insert(c.id);
        break;
      case store::ChangeKind::kCapabilities:
        t.capabilities.insert(c.id);
        break;
    }
  }
  return t;
}

// Reads `id` into `found`, or notes it as gone; other errors stop the batch.
template <typename T, typename Get>
Status Load(const std::string& id, Get get, std::vector<T>& found, std::vector<std::string>& gone) {
  Result<T> row = get(id);
  if (row.ok()) {
    found.push_back(std::move(*row));
    return Status::Ok();
  }
  if (row.status().code() != ErrorCode::kNotFound) return row.status();
  gone.push_back(id);
  return Status::Ok();
}

// What a changed key means for the live usage state kept here, as KeyService does for a change
// made through this node: a new quota is installed, a new rate limit starts a new window, a
// deleted key is forgotten.
void PublishUsage(UsageMeter* usage, const index::KeyIndex& index, const domain::ApiKey& key) {
  if (usage == nullptr) return;
  auto id = index::KeyIndex::IdCharsOf(key.id);
  if (!id) return;
  index::KeyIndex::KeyRef old = index.FindKey(std::string_view(id->data(), id->size()));
  if (!old) return;  // a key new to this node has no usage state yet
  if (old->grant->quota != key.quota) usage->SetQuota(*id, key.quota);
  if (old->grant->rate_limit != key.rate_limit) usage->Reset(*id);
}

}  // namespace

ChangeFeed::ChangeFeed(store::ChangeSource& source, store::Store& store, index::KeyIndex& index,
                       std::mutex& index_writes, const domain::Clock& clock, UsageMeter* usage,
                       ChangeFeedOptions options, AvailabilityFn on_availability)
    : source_(source),
      store_(store),
      index_(index),
      index_writes_(index_writes),
      clock_(clock),
      usage_(usage),
      options_(options),
      on_availability_(std::move(on_availability)) {}

ChangeFeed::~ChangeFeed() { Stop(); }

void ChangeFeed::Start(std::int64_t applied_seq) {
  applied_seq_.store(applied_seq);
  thread_ = std::thread([this] { Run(); });
}

void ChangeFeed::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ChangeFeed::Report(const Status& status, std::int64_t caught_up) {
  bool was_available = available_.exchange(status.ok());
  if (was_available != status.ok() && on_availability_) on_availability_(status, caught_up);
}

void ChangeFeed::Run() {
  auto next_prune = std::chrono::steady_clock::now();
  bool listen_failed = false;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    Result<std::int64_t> applied = CatchUp();
    Report(applied.ok() ? Status::Ok() : applied.status(), applied.ok() ? *applied : 0);
    if (applied.ok() && std::chrono::steady_clock::now() >= next_prune) {
      // Any node may prune; several doing it at once just find less to delete.
      if (source_.PruneChanges(clock_.NowMillis() - options_.retention.count()).ok())
        next_prune = std::chrono::steady_clock::now() + options_.prune_every;
    }
    // Wait for a notification; without one, poll again after the interval. A lost listening
    // connection is not an outage: catch up (which tells whether the store answers) and listen
    // again at once; only when listening fails twice in a row, wait a poll interval.
    Result<bool> notified = source_.WaitForChange(options_.poll_interval);
    if (notified.ok()) {
      listen_failed = false;
    } else if (!std::exchange(listen_failed, true)) {
      continue;
    } else {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_; });
    }
  }
}

Result<std::int64_t> ChangeFeed::CatchUp() {
  std::lock_guard<std::mutex> serial(catch_up_mu_);
  std::int64_t applied = 0;
  for (;;) {
    LK_ASSIGN_OR_RETURN(store::ChangeBatch batch,
                        source_.ChangesAfter(applied_seq_.load(), options_.batch));
    if (batch.missed) {
      // Read the position first: changes committed during the reload are applied after it.
      LK_ASSIGN_OR_RETURN(std::int64_t latest, source_.LatestChange());
      LK_RETURN_IF_ERROR(ReloadEverything());
      applied_seq_.store(latest);
      ++applied;
      continue;
    }
    if (batch.changes.empty()) return applied;
    LK_RETURN_IF_ERROR(Apply(batch.changes));
    applied_seq_.store(batch.changes.back().seq);
    applied += static_cast<std::int64_t>(batch.changes.size());
  }
}

Status ChangeFeed::Apply(const std::vector<store::Change>& changes) {
  Touched touched = Collect(changes);
  std::vector<domain::Namespace> namespaces;
  std::vector<domain::Principal> principals;
  std::vector<domain::ApiKey> keys;
  std::vector<std::string> gone_namespaces, gone_principals, gone_keys;
  CapabilityUpdate capabilities;

  std::lock_guard<std::mutex> writes(index_writes_);
  // One snapshot for the whole batch, read after every local index update made so far.
  LK_RETURN_IF_ERROR(store_.Read([&](store::Transaction& tx) -> Status {
    for (const auto& id : touched.namespaces) {
      LK_RETURN_IF_ERROR(Load<domain::Namespace>(
          id, [&](const std::string& i) { return tx.GetNamespace(i); }, namespaces,
          gone_namespaces));
    }
    for (const auto& id : touched.principals) {
      LK_RETURN_IF_ERROR(Load<domain::Principal>(
          id, [&](const std::string& i) { return tx.GetPrincipal(i); }, principals,
          gone_principals));
    }
    for (const auto& id : touched.keys) {
      LK_RETURN_IF_ERROR(Load<domain::ApiKey>(
          id, [&](const std::string& i) { return tx.GetKey(i); }, keys, gone_keys));
    }
    std::vector<std::string> members(touched.capabilities.begin(), touched.capabilities.end());
    LK_ASSIGN_OR_RETURN(capabilities, ReadCapabilities(tx, members));
    return Status::Ok();
  }));

  // Parents before children: namespaces, then principals and their capabilities, then keys
  // (whose entries look at their creator); removals in the opposite order.
  for (const auto& ns : namespaces) index_.PutNamespace(ns);
  for (const auto& p : principals) index_.PutPrincipal(p);
  PublishCapabilities(index_, std::move(capabilities));
  for (const auto& key : keys) PublishUsage(usage_, index_, key);
  index_.PutKeys(keys);
  if (!gone_keys.empty()) {
    if (usage_ != nullptr) {
      for (const auto& id : gone_keys) {
        if (auto chars = index::KeyIndex::IdCharsOf(id)) usage_->Reset(*chars);
      }
    }
    index_.EraseKeys(gone_keys);
  }
  for (const auto& id : gone_principals) index_.ErasePrincipal(id);
  for (const auto& id : gone_namespaces) index_.EraseNamespace(id);
  return Status::Ok();
}

Status ChangeFeed::ReloadEverything() {
  std::lock_guard<std::mutex> writes(index_writes_);
  LoadedIds loaded;
  LK_RETURN_IF_ERROR(LoadIndex(store_, index_, &loaded).status());
  // Remove what no longer exists, and the capabilities of principals no longer in any group.
  std::vector<std::string> gone_keys;
  index_.ForEachKeyId([&](const index::KeyIdChars& chars) {
    std::string id = "key_" + std::string(chars.data(), chars.size());
    if (!loaded.keys.contains(id)) gone_keys.push_back(std::move(id));
  });
  index_.EraseKeys(gone_keys);
  std::vector<std::string> principals;
  index_.ForEachPrincipalId([&](const std::string& id) { principals.push_back(id); });
  for (const auto& id : principals) {
    if (!loaded.principals.contains(id)) {
      index_.ErasePrincipal(id);
    } else if (!loaded.members.contains(id)) {
      index_.SetCapabilities(id, {});
    }
  }
  std::vector<std::string> namespaces;
  index_.ForEachNamespace([&](const std::string& id, const index::NamespaceEntry&) {
    if (!loaded.namespaces.contains(id)) namespaces.push_back(id);
  });
  for (const auto& id : namespaces) index_.EraseNamespace(id);
  return Status::Ok();
}

}  // namespace latchkey::service
