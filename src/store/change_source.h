#pragma once
// ChangeSource: the change feed of a store shared by several latchkey nodes (DESIGN §7, issue 7).
// A write through any node records which entities it changed; every node reads those records
// after the last one it applied and reloads the named entities into its verification index
// (service/change_feed.h). Implemented by the PostgreSQL store (its change_log table and
// LISTEN/NOTIFY, store/postgres/migrations/V002__change_log.sql); the embedded SQLite store has
// one node and no feed.
//
// A change names an entity, not its new state: the reader loads the current state, so applying a
// change twice, or after a later one, converges on what is stored.
// Thread-safety: every method may be called from any thread.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "domain/result.h"

namespace latchkey::store {

enum class ChangeKind {
  kNamespace,     // a namespace was created, changed or deleted
  kPrincipal,     // a principal was created, changed or deleted
  kKey,           // a key was created, changed or deleted
  kCapabilities,  // a principal's capabilities may have changed (a group or membership change)
};

struct Change {
  std::int64_t seq = 0;
  ChangeKind kind = ChangeKind::kKey;
  std::string id;
};

struct ChangeBatch {
  std::vector<Change> changes;  // seq > the `after` asked for, ascending
  // True when changes after the `after` asked for were pruned before they were read: the reader
  // missed some and must reload everything.
  bool missed = false;
};

class ChangeSource {
 public:
  virtual ~ChangeSource() = default;

  // The highest seq recorded so far (0 when none): read before loading the index at start-up,
  // so that changes committed during the load are applied afterwards.
  virtual Result<std::int64_t> LatestChange() = 0;
  // At most `limit` changes with seq > `after`, in seq order.
  virtual Result<ChangeBatch> ChangesAfter(std::int64_t after, int limit) = 0;
  // Waits until another node may have recorded a change (a notification arrived) or `timeout`
  // passed: true when notified. Errors (kUnavailable) when the store cannot be reached; the next
  // call connects again. A source without notifications just sleeps and returns false, and the
  // reader polls.
  virtual Result<bool> WaitForChange(std::chrono::milliseconds timeout) = 0;
  // Deletes changes recorded before `before` (but never the latest), remembering the highest seq
  // deleted so that a reader behind it learns it missed some. Returns how many it deleted.
  virtual Result<std::int64_t> PruneChanges(domain::UnixMillis before) = 0;
};

}  // namespace latchkey::store
