#pragma once
// ChangeFeed: keeps this node's verification index in step with changes committed through other
// nodes on a shared store (DESIGN §7, issue 7; docs/operations.md "Several nodes").
//
// A thread of its own waits for the store's notification (PostgreSQL LISTEN), or at most
// `poll_interval` (the fallback for a lost notification, or an engine without NOTIFY), then
// reads the change log after the last change it applied and reloads each changed entity from
// the store into the index: a key, a principal, a namespace, or a principal's capabilities.
// Changes made through this node are applied again; that is harmless, since a reload converges
// on the stored state whatever the order.
//
// Ordering with this node's own writes: the management services commit and then update the
// index; a reload here that read the store between those two steps would be overwritten by the
// service's older value. So the feed reads and applies while holding `index_writes`, the mutex
// the management lane holds around each request (app/serve.cc): a reload reads either before a
// local commit (and the service's index update that follows is newer) or after that update (and
// reads a state at least as new).
// Faults: when the store cannot be reached (reading the change log fails) the feed keeps the
// index as it is (verification goes on answering from memory), reports the failure through
// `on_availability` once, and retries every poll interval; a lost listening connection alone is
// not an outage: the feed catches up and listens again at once; when the store answers again it
// reports that and catches up from the last applied change, so no change is missed. If the changes
// it needed were pruned meanwhile (away longer than the log's retention), it reloads every entity
// and removes what is gone. Pruning: about once an hour the feed deletes changes older than
// `retention`.
//
// Thread-safety: Start, Stop and CatchUp may be called from any thread; CatchUp is serialized.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "domain/clock.h"
#include "index/key_index.h"
#include "service/usage_meter.h"
#include "store/change_source.h"
#include "store/store.h"

namespace latchkey::service {

struct ChangeFeedOptions {
  std::chrono::milliseconds poll_interval{500};
  int batch = 1000;  // changes read per query
  std::chrono::milliseconds retention = std::chrono::hours(24);
  std::chrono::milliseconds prune_every = std::chrono::hours(1);
};

class ChangeFeed {
 public:
  // Called from the feed's thread when the store stops or starts answering: an error status when
  // it stopped (with the reason), OK when it answers again. `caught_up` counts the changes
  // applied on recovery.
  using AvailabilityFn = std::function<void(const Status& status, std::int64_t caught_up)>;

  ChangeFeed(store::ChangeSource& source, store::Store& store, index::KeyIndex& index,
             std::mutex& index_writes, const domain::Clock& clock, UsageMeter* usage,
             ChangeFeedOptions options, AvailabilityFn on_availability = nullptr);
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Starts the thread, applying changes after `applied_seq` (the LatestChange read before the
  // index was loaded).
  void Start(std::int64_t applied_seq);
  void Stop();

  // Applies every change recorded now (the thread's work; also for tests). Returns how many it
  // applied, or the store's error (the index then stays as it was after the last whole batch).
  Result<std::int64_t> CatchUp();

  std::int64_t applied_seq() const { return applied_seq_.load(); }
  bool available() const { return available_.load(); }

 private:
  void Run();
  Status Apply(const std::vector<store::Change>& changes);
  Status ReloadEverything();
  void Report(const Status& status, std::int64_t caught_up);

  store::ChangeSource& source_;
  store::Store& store_;
  index::KeyIndex& index_;
  std::mutex& index_writes_;
  const domain::Clock& clock_;
  UsageMeter* usage_;
  const ChangeFeedOptions options_;
  AvailabilityFn on_availability_;

  std::atomic<std::int64_t> applied_seq_{0};
  std::atomic<bool> available_{true};
  std::mutex catch_up_mu_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace latchkey::service
