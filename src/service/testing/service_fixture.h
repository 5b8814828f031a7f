#pragma once
// ServiceFixture: a bootstrapped latchkey for service-level tests — a real SQLite store in a
// temporary directory, a fake clock, a seeded random source, the index, the services and the
// verifier, wired as app/ wires them. `admin` is the bootstrap superuser's Caller.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "crypto/fake_random.h"
#include "service/bootstrap.h"
#include "service/key_service.h"
#include "service/namespace_service.h"
#include "service/principal_service.h"
#include "service/verifier.h"
#include "store/sqlite/sqlite_store.h"

namespace latchkey::service::testing {

inline constexpr domain::UnixMillis kStartMillis = 1'800'000'000'000;  // 2027-01-15

class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/latchkey-service-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    store_ = std::move(store::sqlite::SqliteStore::Open(dir_ + "/test.db")).value();
    std::vector<std::uint8_t> pepper(32, 42);
    hasher_ = std::move(crypto::SecretHasher::Create(pepper)).value();
    ctx_ = std::make_unique<ServiceContext>(
        ServiceContext{*store_, index_, *hasher_, random_, clock_, policy_});
    verifier_ = std::make_unique<Verifier>(index_, *hasher_, clock_);
    authenticator_ = std::make_unique<Authenticator>(*verifier_);
    auto boot = Bootstrap(*ctx_);
    ASSERT_TRUE(boot.ok()) << boot.status().message();
    boot_ = *boot;
    auto caller = authenticator_->Authenticate(boot_.admin_token, std::nullopt);
    ASSERT_TRUE(caller.ok()) << caller.status().message();
    admin_ = *caller;
  }

  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  VerifyCode VerifyCodeOf(const std::string& secret, std::optional<std::string> ns = {}) {
    std::optional<std::string_view> ns_view;
    if (ns) ns_view = *ns;
    return verifier_->Verify({.key = secret, .namespace_id = ns_view}).code;
  }

  // Creates a project namespace `proj` and a service account `extractor` at home in it, into
  // project_ and service_account_ (the setting of most key tests).
  void CreateProjectAndServiceAccount() {
    auto ns = NamespaceService(*ctx_).Create(
        admin_, {.name = "proj", .kind = domain::NamespaceKind::kProject});
    ASSERT_TRUE(ns.ok()) << ns.status().message();
    project_ = ns->id;
    auto sa =
        PrincipalService(*ctx_).Create(admin_, {.name = "extractor",
                                                .kind = domain::PrincipalKind::kServiceAccount,
                                                .namespace_id = project_});
    ASSERT_TRUE(sa.ok()) << sa.status().message();
    service_account_ = sa->principal.id;
  }

  std::string project_;
  std::string service_account_;
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crypto::SecretHasher> hasher_;
  crypto::SeededRandom random_{1234};
  domain::FakeClock clock_{kStartMillis};
  index::KeyIndex index_;
  AccessPolicy policy_{index_};
  std::unique_ptr<ServiceContext> ctx_;
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<Authenticator> authenticator_;
  BootstrapResult boot_;
  Caller admin_;
};

}  // namespace latchkey::service::testing
