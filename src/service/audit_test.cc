#include "service/audit.h"

#include <gtest/gtest.h>

#include "service/key_service.h"
#include "service/testing/service_fixture.h"

namespace latchkey::service {
namespace {

class AuditTest : public testing::ServiceFixture {
 protected:
  std::vector<domain::AuditEvent> Events() {
    std::vector<domain::AuditEvent> events;
    EXPECT_TRUE(store_
                    ->ForEachAuditEvent([&](const domain::AuditEvent& e) {
                      events.push_back(e);
                      return Status::Ok();
                    })
                    .ok());
    return events;
  }
};

TEST_F(AuditTest, ChangesAndRefusalsAreChained) {
  admin_.request_id = "req_1";
  admin_.source_ip = "127.0.0.1";
  auto key = KeyService(*ctx_).Create(
      admin_, {.name = "k", .type = domain::KeyType::kPersonal, .owner = admin_.principal_id});
  ASSERT_TRUE(key.ok());
  Caller weak = *authenticator_->Authenticate(key->secret, std::nullopt);
  weak.superuser = false;  // as if the admin lost superuser: every action is refused
  auto refused = KeyService(*ctx_).Create(weak, {.name = "x", .namespace_id = boot_.namespace_id});
  EXPECT_EQ(refused.status().code(), ErrorCode::kPermissionDenied);

  auto events = Events();
  ASSERT_EQ(events.size(), 3u);  // system.init, keys.create, the refusal
  EXPECT_EQ(events[0].action, "system.init");
  EXPECT_EQ(events[0].prev_hash, std::string(64, '0'));
  EXPECT_EQ(events[1].action, "keys.create");
  EXPECT_EQ(events[1].target, key->key.id);
  EXPECT_EQ(events[1].request_id, "req_1");
  EXPECT_EQ(events[1].source_ip, "127.0.0.1");
  EXPECT_EQ(events[1].outcome, domain::AuditOutcome::kSuccess);
  EXPECT_EQ(events[2].outcome, domain::AuditOutcome::kDenied);
  EXPECT_EQ(events[2].namespace_id, boot_.namespace_id);
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, events[i - 1].seq + 1);
    EXPECT_EQ(events[i].prev_hash, events[i - 1].hash);
  }
  for (const auto& e : events) {
    EXPECT_EQ(AuditCanonicalText(e).find(key->secret), std::string::npos);
  }
  auto report = VerifyAuditChain(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->checked, 3);
}

TEST_F(AuditTest, AFailedChangeLeavesNoEvent) {
  auto bad = KeyService(*ctx_).Create(admin_, {.name = "", .namespace_id = boot_.namespace_id});
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  auto missing = KeyService(*ctx_).Create(admin_, {.name = "k", .namespace_id = "ns_nope"});
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Events().size(), 1u);
}

TEST_F(AuditTest, VerifyNamesTheFirstBrokenEvent) {
  // system.init is event 1; two good events, then one whose fields do not match its hash,
  // written behind the service's back.
  for (const char* action : {"keys.create", "keys.delete"}) {
    ASSERT_TRUE(store_
                    ->Write([&](store::Transaction& tx) -> Status {
                      domain::AuditEvent e{.time = 5, .action = action};
                      return AppendAuditEvent(tx, e);
                    })
                    .ok());
  }
  // An event whose fields do not match its hash, written behind the service's back.
  ASSERT_TRUE(store_
                  ->Write([&](store::Transaction& tx) -> Status {
                    LK_ASSIGN_OR_RETURN(auto last, tx.LastAuditEvent());
                    domain::AuditEvent forged = *last;
                    forged.seq += 1;
                    forged.prev_hash = last->hash;
                    forged.action = "keys.create";
                    forged.hash = std::string(64, 'f');
                    return tx.AppendAuditEvent(forged);
                  })
                  .ok());
  auto report = VerifyAuditChain(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  EXPECT_EQ(report->first_broken, 4);
  EXPECT_EQ(report->checked, 4);
  EXPECT_NE(report->problem.find("changed"), std::string::npos);
}

TEST_F(AuditTest, CanonicalTextCoversEveryField) {
  domain::AuditEvent e{.seq = 7,
                       .time = 1,
                       .actor_principal = "pr_a",
                       .actor_key = "key_b",
                       .action = "keys.create",
                       .target = "key_c",
                       .namespace_id = "ns_d",
                       .request_id = "req_e",
                       .source_ip = "::1",
                       .details_json = "{}",
                       .prev_hash = std::string(64, '0')};
  std::string base = AuditCanonicalText(e);
  auto differs = [&](auto change) {
    domain::AuditEvent copy = e;
    change(copy);
    return AuditCanonicalText(copy) != base;
  };
  EXPECT_TRUE(differs([](auto& c) { c.seq = 8; }));
  EXPECT_TRUE(differs([](auto& c) { c.time = 2; }));
  EXPECT_TRUE(differs([](auto& c) { c.actor_principal = "pr_x"; }));
  EXPECT_TRUE(differs([](auto& c) { c.actor_key = "key_x"; }));
  EXPECT_TRUE(differs([](auto& c) { c.action = "keys.delete"; }));
  EXPECT_TRUE(differs([](auto& c) { c.target = "key_x"; }));
  EXPECT_TRUE(differs([](auto& c) { c.namespace_id = "ns_x"; }));
  EXPECT_TRUE(differs([](auto& c) { c.outcome = domain::AuditOutcome::kDenied; }));
  EXPECT_TRUE(differs([](auto& c) { c.request_id = "req_x"; }));
  EXPECT_TRUE(differs([](auto& c) { c.source_ip = "10.0.0.1"; }));
  EXPECT_TRUE(differs([](auto& c) { c.details_json = "{\"a\":1}"; }));
  EXPECT_TRUE(differs([](auto& c) { c.prev_hash = std::string(64, '1'); }));
  EXPECT_FALSE(differs([](auto& c) { c.hash = "anything"; }));
  // Field boundaries cannot be shifted: the text is a JSON array.
  EXPECT_TRUE(differs([](auto& c) {
    c.actor_principal = "pr_ak";
    c.actor_key = "ey_b";
  }));
}

}  // namespace
}  // namespace latchkey::service
