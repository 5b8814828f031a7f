#pragma once
// SignInThrottle: counts failed console sign-ins per key (a user name, a client address) in
// fixed windows, so that guessing passwords is slow (docs/console.md): after `max_failures`
// failures within `window_ms` of a key's first failure, the key is refused until that window
// ends; the next failure after it starts a new window.
//
// Memory is bounded: at most `max_tracked` keys are remembered. A failure for a new key when
// that many are tracked first forgets the windows that have ended, then, if none had, the
// oldest window. (Filling the table to push a key out takes `max_tracked` failures, which the
// per-address throttle makes slow in turn.)
// Thread-safety: none; the session service uses it from the management thread.

#include <cstddef>
#include <string>
#include <unordered_map>

#include "domain/model.h"

namespace latchkey::service {

class SignInThrottle {
 public:
  SignInThrottle(int max_failures, domain::UnixMillis window_ms, std::size_t max_tracked)
      : max_failures_(max_failures), window_ms_(window_ms), max_tracked_(max_tracked) {}

  // Milliseconds until `key` may try again at `now`; 0 when it may now.
  domain::UnixMillis RetryAfter(const std::string& key, domain::UnixMillis now) const;
  void RecordFailure(const std::string& key, domain::UnixMillis now);
  // Forgets `key`'s failures (after it signed in).
  void Forget(const std::string& key) { windows_.erase(key); }

  std::size_t tracked() const { return windows_.size(); }

 private:
  struct Window {
    domain::UnixMillis start = 0;
    int failures = 0;
  };
  void MakeRoom(domain::UnixMillis now);

  const int max_failures_;
  const domain::UnixMillis window_ms_;
  const std::size_t max_tracked_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace latchkey::service
