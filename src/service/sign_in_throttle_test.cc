#include "service/sign_in_throttle.h"

#include <gtest/gtest.h>

namespace latchkey::service {
namespace {

constexpr domain::UnixMillis kWindow = 15 * 60 * 1000;

TEST(SignInThrottle, RefusesAfterMaxFailuresUntilTheWindowEnds) {
  SignInThrottle throttle(5, kWindow, 100);
  for (int i = 0; i < 4; ++i) throttle.RecordFailure("alice", 1000 + i);
  EXPECT_EQ(throttle.RetryAfter("alice", 2000), 0);
  throttle.RecordFailure("alice", 2000);
  EXPECT_EQ(throttle.RetryAfter("alice", 2000), 1000 + kWindow - 2000);
  EXPECT_EQ(throttle.RetryAfter("alice", 1000 + kWindow - 1), 1);
  EXPECT_EQ(throttle.RetryAfter("alice", 1000 + kWindow), 0);
  EXPECT_EQ(throttle.RetryAfter("bob", 2000), 0);  // keys are independent
}

TEST(SignInThrottle, AFailureAfterTheWindowStartsANewOne) {
  SignInThrottle throttle(2, kWindow, 100);
  throttle.RecordFailure("alice", 0);
  throttle.RecordFailure("alice", kWindow);  // the first window has ended: count restarts
  EXPECT_EQ(throttle.RetryAfter("alice", kWindow), 0);
  throttle.RecordFailure("alice", kWindow + 1);
  EXPECT_EQ(throttle.RetryAfter("alice", kWindow + 1), kWindow - 1);
}

TEST(SignInThrottle, ForgetClearsAKey) {
  SignInThrottle throttle(1, kWindow, 100);
  throttle.RecordFailure("alice", 0);
  EXPECT_GT(throttle.RetryAfter("alice", 0), 0);
  throttle.Forget("alice");
  EXPECT_EQ(throttle.RetryAfter("alice", 0), 0);
}

TEST(SignInThrottle, MemoryIsBoundedDroppingEndedWindowsFirst) {
  SignInThrottle throttle(1, kWindow, 3);
  throttle.RecordFailure("old", 0);
  throttle.RecordFailure("a", kWindow);
  throttle.RecordFailure("b", kWindow + 1);
  throttle.RecordFailure("c", kWindow + 2);  // full: "old" has ended and goes
  EXPECT_EQ(throttle.tracked(), 3u);
  EXPECT_GT(throttle.RetryAfter("a", kWindow + 2), 0);
  EXPECT_GT(throttle.RetryAfter("c", kWindow + 2), 0);
  throttle.RecordFailure("d", kWindow + 3);  // full, none ended: the oldest ("a") goes
  EXPECT_EQ(throttle.tracked(), 3u);
  EXPECT_EQ(throttle.RetryAfter("a", kWindow + 3), 0);
  EXPECT_GT(throttle.RetryAfter("b", kWindow + 3), 0);
  EXPECT_GT(throttle.RetryAfter("d", kWindow + 3), 0);
  for (int i = 0; i < 1000; ++i) throttle.RecordFailure("k" + std::to_string(i), kWindow + 4);
  EXPECT_EQ(throttle.tracked(), 3u);
}

}  // namespace
}  // namespace latchkey::service
