#pragma once
// Clock: the one source of "now" for services and the verifier, so tests can inject time.
// Implementations must be thread-safe.

#include <atomic>
#include <chrono>

#include "domain/model.h"

namespace latchkey::domain {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis NowMillis() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixMillis NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to; for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixMillis now) : now_(now) {}
  UnixMillis NowMillis() const override { return now_.load(); }
  void Set(UnixMillis now) { now_.store(now); }
  void Advance(UnixMillis by) { now_.fetch_add(by); }

 private:
  std::atomic<UnixMillis> now_;
};

}  // namespace latchkey::domain
