#include "service/sign_in_throttle.h"

#include <algorithm>

namespace latchkey::service {

domain::UnixMillis SignInThrottle::RetryAfter(const std::string& key,
                                              domain::UnixMillis now) const {
  auto it = windows_.find(key);
  if (it == windows_.end() || it->second.failures < max_failures_) return 0;
  return std::max<domain::UnixMillis>(0, it->second.start + window_ms_ - now);
}

void SignInThrottle::RecordFailure(const std::string& key, domain::UnixMillis now) {
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    if (windows_.size() >= max_tracked_) MakeRoom(now);
    windows_.emplace(key, Window{.start = now, .failures = 1});
    return;
  }
  Window& window = it->second;
  if (now - window.start >= window_ms_) {
    window = Window{.start = now, .failures = 1};
  } else {
    ++window.failures;
  }
}

void SignInThrottle::MakeRoom(domain::UnixMillis now) {
  std::erase_if(windows_,
                [&](const auto& entry) { return now - entry.second.start >= window_ms_; });
  if (windows_.size() < max_tracked_ || windows_.empty()) return;
  auto oldest = std::min_element(
      windows_.begin(), windows_.end(),
      [](const auto& a, const auto& b) { return a.second.start < b.second.start; });
  windows_.erase(oldest);
}

}  // namespace latchkey::service
