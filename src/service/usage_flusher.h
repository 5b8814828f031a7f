#pragma once
// UsageFlusher: writes the UsageMeter's changes (quota use, last use) to the store in one
// transaction per interval (DESIGN §7: never a store write per verification), on a thread of
// its own so that store I/O never runs on the verification threads, and brings the meter's
// balances in line with the store's from what that transaction returns (UsageMeter::Sync): with
// several nodes on one store, each sees the others' spending within about an interval (the
// bound is in usage_meter.h). A failed write puts the batch back for the next round. Stop() (and
// the destructor) flush once more. One flusher per meter: the meter has one batch in flight.
//
// Crash-loss window: a kill -9 loses what was metered since the last successful flush, at most
// `interval` of use (plus the time a flush takes) while the store is healthy — quota units spent
// in that window can be spent again after a restart, and last-used times may lag by as much.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "service/usage_meter.h"
#include "store/store.h"

namespace latchkey::service {

class UsageFlusher {
 public:
  UsageFlusher(UsageMeter& meter, store::Store& store, std::chrono::milliseconds interval);
  ~UsageFlusher();
  UsageFlusher(const UsageFlusher&) = delete;
  UsageFlusher& operator=(const UsageFlusher&) = delete;

  // Writes what is pending now; returns the store's status (kOk when nothing was pending).
  Status FlushNow();
  void Stop();

 private:
  void Run();

  UsageMeter& meter_;
  store::Store& store_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::mutex flush_mu_;  // one flush at a time (the thread's, FlushNow's, Stop's)
  std::thread thread_;
};

}  // namespace latchkey::service
