#pragma once
// StoreContractTest: the behaviour of store.h that every Store backend must show, as one
// value-parameterized GoogleTest suite (the tests are in store_contract_test.cc). A backend runs
// it by instantiating the suite with a factory that returns a fresh, empty store for each test:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            ::testing::Values(StoreBackend{"Sqlite", &MakeScratchStore}),
//                            StoreBackendName);
//
// The factory owns whatever the store needs (a temporary file, a scratch schema) through the
// returned object: destroying the store must clean up after it.
// Thread-safety: as GoogleTest; one test at a time per fixture.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "domain/result.h"
#include "store/store.h"

namespace latchkey {

// Readable failure output for EXPECT_THAT(status, ...).
inline void PrintTo(const Status& status, std::ostream* os) {
  *os << ErrorCodeName(status.code());
  if (!status.message().empty()) *os << ": " << status.message();
}

}  // namespace latchkey

namespace latchkey::store {

using StoreFactory = std::function<std::unique_ptr<Store>()>;

// The suite's parameter: a factory of fresh, empty stores, named for test names and failure output.
struct StoreBackend {
  std::string name;  // [A-Za-z0-9_]+, e.g. "Sqlite"
  StoreFactory make_store;
  // When not empty, every test is skipped with this message (e.g. no PostgreSQL to test against).
  std::string skip_reason = {};

  friend void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }
};

MATCHER(IsOk, "is OK") { return arg.ok(); }

MATCHER_P(HasCode, code, "has error code " + std::string(ErrorCodeName(code))) {
  return arg.code() == code;
}

// Names each instantiated test after its backend ("Sqlite/StoreContractTest.X/Sqlite").
inline std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    if (!GetParam().skip_reason.empty()) GTEST_SKIP() << GetParam().skip_reason;
    store_ = GetParam().make_store();
    ASSERT_NE(store_, nullptr);
  }

  Store& store() { return *store_; }

  std::unique_ptr<Store> store_;
};

}  // namespace latchkey::store
