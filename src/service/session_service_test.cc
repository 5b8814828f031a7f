#include "service/session_service.h"

#include <gtest/gtest.h>

#include "service/group_service.h"
#include "service/key_service.h"
#include "service/principal_service.h"
#include "service/testing/service_fixture.h"

namespace latchkey::service {
namespace {

using domain::PrincipalKind;
using domain::PrincipalStatus;

constexpr char kPassword[] = "correct horse battery staple";
constexpr domain::UnixMillis kTtl = 60 * 60 * 1000;
constexpr domain::UnixMillis kWindow = 15 * 60 * 1000;

class SessionServiceTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    sessions_ = std::make_unique<SessionService>(*ctx_, SessionOptions{.ttl_ms = kTtl});
    ada_ = MustUser("ada", "ada@example.com", kPassword);
  }

  std::string MustUser(const std::string& name, std::optional<std::string> email,
                       std::optional<std::string> password) {
    auto created = PrincipalService(*ctx_).Create(admin_, {.name = name,
                                                           .kind = PrincipalKind::kUser,
                                                           .email = std::move(email),
                                                           .default_key = false,
                                                           .password = std::move(password)});
    EXPECT_TRUE(created.ok()) << created.status().message();
    return created.ok() ? created->principal.id : "";
  }

  Result<CreatedSession> SignIn(const std::string& name, const std::string& password,
                                const std::string& ip = "203.0.113.7") {
    return sessions_->SignIn(
        {.name = name, .password = password, .source_ip = ip, .request_id = "req-1"});
  }

  std::vector<domain::AuditEvent> Events(const std::string& action) {
    store::AuditFilter filter;
    filter.action = action;
    auto page = AuditLog(*ctx_).List(admin_, filter, {.cursor = "", .limit = 1000});
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? page->items : std::vector<domain::AuditEvent>{};
  }

  bool SessionStored(const std::string& secret) {
    domain::Digest digest = hasher_->Digest(secret);
    Status found = store_->Read(
        [&](store::Transaction& tx) { return tx.GetSessionByDigest(digest).status(); });
    return found.ok();
  }

  std::unique_ptr<SessionService> sessions_;
  std::string ada_;
};

TEST_F(SessionServiceTest, SignInGivesASessionThatActsAsTheUser) {
  auto created = SignIn("ada", kPassword);
  ASSERT_TRUE(created.ok()) << created.status().message();
  const domain::Session& session = created->info.session;
  EXPECT_TRUE(session.id.starts_with("ses_"));
  EXPECT_EQ(created->secret.size(), 43u);
  EXPECT_EQ(session.principal_id, ada_);
  EXPECT_EQ(session.created_at, testing::kStartMillis);
  EXPECT_EQ(session.expires_at, testing::kStartMillis + kTtl);
  EXPECT_EQ(created->info.principal.id, ada_);
  EXPECT_TRUE(created->info.principal.has_password);
  EXPECT_EQ(created->info.csrf_token.size(), 64u);
  // Only the digest is stored.
  EXPECT_EQ(session.digest, hasher_->Digest(created->secret));

  auto caller = sessions_->Authenticate(created->secret);
  ASSERT_TRUE(caller.ok()) << caller.status().message();
  EXPECT_EQ(caller->principal_id, ada_);
  EXPECT_EQ(caller->key_id, session.id);
  EXPECT_EQ(caller->key_type, domain::KeyType::kPersonal);
  EXPECT_EQ(caller->key_scopes, std::vector<std::string>{"*"});
  EXPECT_FALSE(caller->superuser);
  ASSERT_TRUE(caller->session.has_value());
  EXPECT_EQ(*caller->session, session);
}

TEST_F(SessionServiceTest, SignInByEmailWhenItIsUnique) {
  EXPECT_TRUE(SignIn("ada@example.com", kPassword).ok());
  MustUser("ada-twin", "twin@example.com", kPassword);
  MustUser("ada-twin-2", "twin@example.com", kPassword);
  EXPECT_EQ(SignIn("twin@example.com", kPassword).status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(SessionServiceTest, CsrfTokenIsBoundToTheSecret) {
  auto a = SignIn("ada", kPassword);
  auto b = SignIn("ada", kPassword);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->secret, b->secret);
  EXPECT_NE(a->info.csrf_token, b->info.csrf_token);
  EXPECT_EQ(sessions_->CsrfToken(a->secret), a->info.csrf_token);
  EXPECT_TRUE(sessions_->CsrfTokenMatches(a->secret, a->info.csrf_token));
  EXPECT_FALSE(sessions_->CsrfTokenMatches(a->secret, b->info.csrf_token));
  EXPECT_FALSE(sessions_->CsrfTokenMatches(a->secret, ""));
  EXPECT_FALSE(sessions_->CsrfTokenMatches(a->secret, "zz" + a->info.csrf_token.substr(2)));
  std::string upper = a->info.csrf_token;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != a->info.csrf_token) {
    EXPECT_FALSE(sessions_->CsrfTokenMatches(a->secret, upper));
  }
  // Not the stored digest, which would make the token a way to look the session up.
  std::string digest_hex;
  for (std::uint8_t byte : hasher_->Digest(a->secret)) {
    digest_hex += "0123456789abcdef"[byte >> 4];
    digest_hex += "0123456789abcdef"[byte & 0xf];
  }
  EXPECT_NE(a->info.csrf_token, digest_hex);
}

TEST_F(SessionServiceTest, EveryRefusalLooksTheSame) {
  MustUser("no-password", std::nullopt, std::nullopt);
  std::string disabled = MustUser("gone-fishing", std::nullopt, kPassword);
  ASSERT_TRUE(PrincipalService(*ctx_)
                  .Update(admin_, disabled, {.status = PrincipalStatus::kDisabled})
                  .ok());
  ASSERT_TRUE(PrincipalService(*ctx_)
                  .Create(admin_, {.name = "robot", .kind = PrincipalKind::kServiceAccount})
                  .ok());
  const std::pair<std::string, std::string> attempts[] = {
      {"nobody", kPassword},       {"ada", "wrong password 123"}, {"no-password", kPassword},
      {"gone-fishing", kPassword}, {"robot", kPassword},          {"", ""}};
  int n = 0;
  for (const auto& [name, password] : attempts) {
    // Separate addresses, so the address throttle stays out of it.
    auto refused = SignIn(name, password, "198.51.100." + std::to_string(++n));
    EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated) << name;
    EXPECT_EQ(refused.status().message(), "wrong name or password") << name;
  }
}

TEST_F(SessionServiceTest, FailuresAreThrottledPerName) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(
        SignIn("ada", "wrong password 123", "198.51.100." + std::to_string(i)).status().code(),
        ErrorCode::kUnauthenticated);
  }
  // Even the right password is refused now, from anywhere, without being checked.
  auto throttled = SignIn("ada", kPassword, "192.0.2.1");
  EXPECT_EQ(throttled.status().code(), ErrorCode::kRateLimited);
  SignInInput input{.name = "ada", .source_ip = "192.0.2.1"};
  EXPECT_EQ(sessions_->RetryAfterSeconds(input), kWindow / 1000);
  clock_.Advance(kWindow - 1000);
  EXPECT_EQ(sessions_->RetryAfterSeconds(input), 1);
  EXPECT_EQ(SignIn("ada", kPassword, "192.0.2.1").status().code(), ErrorCode::kRateLimited);
  clock_.Advance(1000);
  EXPECT_EQ(sessions_->RetryAfterSeconds(input), 0);
  EXPECT_TRUE(SignIn("ada", kPassword, "192.0.2.1").ok());
}

TEST_F(SessionServiceTest, FailuresAreThrottledPerAddress) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(SignIn("guess-" + std::to_string(i), kPassword, "203.0.113.9").status().code(),
              ErrorCode::kUnauthenticated);
  }
  EXPECT_EQ(SignIn("ada", kPassword, "203.0.113.9").status().code(), ErrorCode::kRateLimited);
  EXPECT_TRUE(SignIn("ada", kPassword, "203.0.113.10").ok());  // another address may
}

TEST_F(SessionServiceTest, ASuccessForgetsTheNamesFailures) {
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(SignIn("ada", "wrong password 123", "198.51.100." + std::to_string(i)).ok());
  }
  ASSERT_TRUE(SignIn("ada", kPassword, "192.0.2.1").ok());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(
        SignIn("ada", "wrong password 123", "198.51.101." + std::to_string(i)).status().code(),
        ErrorCode::kUnauthenticated);
  }
}

TEST_F(SessionServiceTest, SessionsExpireAndAreDeletedWhenPresented) {
  auto created = SignIn("ada", kPassword);
  ASSERT_TRUE(created.ok());
  clock_.Advance(kTtl - 1);
  EXPECT_TRUE(sessions_->Authenticate(created->secret).ok());
  clock_.Advance(1);
  auto expired = sessions_->Authenticate(created->secret);
  EXPECT_EQ(expired.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(expired.status().message(), "the session has expired or was signed out");
  EXPECT_FALSE(SessionStored(created->secret));
}

TEST_F(SessionServiceTest, SignInSweepsExpiredSessions) {
  auto old = SignIn("ada", kPassword);
  ASSERT_TRUE(old.ok());
  clock_.Advance(kTtl);
  EXPECT_TRUE(SessionStored(old->secret));
  ASSERT_TRUE(SignIn("ada", kPassword).ok());
  EXPECT_FALSE(SessionStored(old->secret));
}

TEST_F(SessionServiceTest, UnknownAndMalformedSecretsAreRefused) {
  for (std::string secret : {std::string(), std::string(43, 'a'), std::string("short"),
                             std::string(42, 'a') + "!", std::string(44, 'a')}) {
    EXPECT_EQ(sessions_->Authenticate(secret).status().code(), ErrorCode::kUnauthenticated);
  }
}

TEST_F(SessionServiceTest, DisablingOrDeletingTheUserEndsItsSessions) {
  auto created = SignIn("ada", kPassword);
  ASSERT_TRUE(created.ok());
  PrincipalService principals(*ctx_);
  ASSERT_TRUE(principals.Update(admin_, ada_, {.status = PrincipalStatus::kDisabled}).ok());
  EXPECT_EQ(sessions_->Authenticate(created->secret).status().code(), ErrorCode::kUnauthenticated);
  ASSERT_TRUE(principals.Update(admin_, ada_, {.status = PrincipalStatus::kActive}).ok());
  EXPECT_EQ(sessions_->Authenticate(created->secret).status().code(),
            ErrorCode::kUnauthenticated);  // re-enabling does not bring it back

  auto again = SignIn("ada", kPassword);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(principals.Delete(admin_, ada_).ok());
  EXPECT_EQ(sessions_->Authenticate(again->secret).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_FALSE(SessionStored(again->secret));
}

TEST_F(SessionServiceTest, SessionPermissionsFollowTheUsersGroupsAtOnce) {
  auto created = SignIn("ada", kPassword);
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(
      policy_.Authorize(*sessions_->Authenticate(created->secret), "keys:read", boot_.namespace_id)
          .ok());
  ASSERT_TRUE(GroupService(*ctx_)
                  .Create(admin_, {.namespace_id = boot_.namespace_id,
                                   .name = "readers",
                                   .capabilities = {"keys:read"},
                                   .members = {ada_}})
                  .ok());
  auto caller = sessions_->Authenticate(created->secret);
  ASSERT_TRUE(caller.ok());
  EXPECT_TRUE(policy_.Authorize(*caller, "keys:read", boot_.namespace_id).ok());
  EXPECT_FALSE(policy_.Authorize(*caller, "keys:create", boot_.namespace_id).ok());
}

TEST_F(SessionServiceTest, DescribeAndSignOut) {
  auto created = SignIn("ada", kPassword);
  ASSERT_TRUE(created.ok());
  auto caller = sessions_->Authenticate(created->secret);
  ASSERT_TRUE(caller.ok());
  auto info = sessions_->Describe(*caller, created->secret);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->session, created->info.session);
  EXPECT_EQ(info->principal.id, ada_);
  EXPECT_EQ(info->csrf_token, created->info.csrf_token);

  ASSERT_TRUE(sessions_->SignOut(*caller).ok());
  EXPECT_EQ(sessions_->Authenticate(created->secret).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(sessions_->SignOut(*caller).ok());  // already ended: nothing to do
  auto deleted = Events("sessions.delete");
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].actor_principal, ada_);
  EXPECT_EQ(deleted[0].actor_key, created->info.session.id);
  EXPECT_EQ(deleted[0].target, created->info.session.id);
}

TEST_F(SessionServiceTest, SignInsAreAuditedAndFailuresAtMostOnceAMinutePerName) {
  auto created = SignIn("ada", kPassword);
  ASSERT_TRUE(created.ok());
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(SignIn("ada", "wrong password 123").ok());
  clock_.Advance(60 * 1000);
  EXPECT_FALSE(SignIn("ada", "wrong password 456", "198.51.100.1").ok());
  EXPECT_FALSE(SignIn("nobody", kPassword, "198.51.100.1").ok());
  auto events = Events("sessions.create");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].outcome, domain::AuditOutcome::kSuccess);
  EXPECT_EQ(events[0].actor_principal, ada_);
  EXPECT_EQ(events[0].actor_key, created->info.session.id);
  EXPECT_EQ(events[0].target, created->info.session.id);
  EXPECT_EQ(events[0].namespace_id, boot_.namespace_id);
  EXPECT_EQ(events[0].source_ip, "203.0.113.7");
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].outcome, domain::AuditOutcome::kDenied);
    EXPECT_EQ(events[i].actor_principal, "");
  }
  EXPECT_EQ(events[1].target, ada_);
  EXPECT_EQ(events[2].target, ada_);
  EXPECT_EQ(events[3].target, "");  // an unknown name: not recorded
  for (const auto& event : events) {
    EXPECT_EQ(event.details_json.find("wrong password"), std::string::npos);
    EXPECT_EQ(event.details_json.find("nobody"), std::string::npos);
    EXPECT_EQ(event.details_json.find(created->secret), std::string::npos);
  }
}

}  // namespace
}  // namespace latchkey::service
