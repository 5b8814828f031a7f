#include "service/change_feed.h"

#include <gtest/gtest.h>

#include <deque>

#include "service/group_service.h"
#include "service/testing/service_fixture.h"

namespace latchkey::service {
namespace {

using store::Change;
using store::ChangeKind;

// A change log kept by the test: it records what "node A" (the fixture's services) changed, as
// the PostgreSQL store's change_log does; it can be made to fail or to report pruned changes.
class ScriptedSource final : public store::ChangeSource {
 public:
  void Add(ChangeKind kind, std::string id) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back({.seq = ++seq_, .kind = kind, .id = std::move(id)});
  }
  void SetError(Status error) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::move(error);
  }
  void PruneAll() {
    std::lock_guard<std::mutex> lock(mu_);
    pruned_through_ = seq_;
    log_.clear();
  }

  Result<std::int64_t> LatestChange() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.ok()) return error_;
    return seq_;
  }
  Result<store::ChangeBatch> ChangesAfter(std::int64_t after, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.ok()) return error_;
    store::ChangeBatch batch;
    if (pruned_through_ > after) {
      batch.missed = true;
      return batch;
    }
    for (const Change& c : log_) {
      if (c.seq > after && static_cast<int>(batch.changes.size()) < limit)
        batch.changes.push_back(c);
    }
    return batch;
  }
  Result<bool> WaitForChange(std::chrono::milliseconds timeout) override {
    std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(5)));
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.ok()) return error_;
    return false;
  }
  Result<std::int64_t> PruneChanges(domain::UnixMillis) override { return 0; }

 private:
  std::mutex mu_;
  std::deque<Change> log_;
  std::int64_t seq_ = 0;
  std::int64_t pruned_through_ = 0;
  Status error_ = Status::Ok();
};

// Node A is the fixture (its services write the store and its own index); node B is `remote_`,
// an index loaded from the same store and kept up to date only by a ChangeFeed.
class ChangeFeedTest : public testing::ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    ASSERT_NO_FATAL_FAILURE(CreateProjectAndServiceAccount());
    ASSERT_TRUE(LoadIndex(*store_, remote_).ok());
    feed_ = std::make_unique<ChangeFeed>(
        source_, *store_, remote_, writes_, clock_, nullptr,
        ChangeFeedOptions{.poll_interval = std::chrono::milliseconds(5)});
    remote_verifier_ = std::make_unique<Verifier>(remote_, *hasher_, clock_);
  }

  CreatedKey MustCreate(const std::string& name) {
    auto created = KeyService(*ctx_).Create(
        admin_, {.name = name, .owner = service_account_, .namespace_id = project_});
    EXPECT_TRUE(created.ok()) << created.status().message();
    source_.Add(ChangeKind::kKey, created->key.id);
    return *created;
  }

  VerifyCode RemoteCode(const std::string& secret) {
    return remote_verifier_->Verify({.key = secret}).code;
  }

  std::int64_t MustCatchUp() {
    auto applied = feed_->CatchUp();
    EXPECT_TRUE(applied.ok()) << applied.status().message();
    return applied.ok() ? *applied : -1;
  }

  ScriptedSource source_;
  index::KeyIndex remote_;
  std::mutex writes_;
  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<Verifier> remote_verifier_;
};

TEST_F(ChangeFeedTest, KeysCreatedRevokedAndDeletedElsewhereReachTheIndex) {
  CreatedKey a = MustCreate("a");
  CreatedKey b = MustCreate("b");
  EXPECT_EQ(RemoteCode(a.secret), VerifyCode::kNotFound);
  EXPECT_EQ(MustCatchUp(), 2);
  EXPECT_EQ(RemoteCode(a.secret), VerifyCode::kValid);
  EXPECT_EQ(feed_->applied_seq(), 2);

  ASSERT_TRUE(KeyService(*ctx_).Apply(admin_, a.key.id, KeyAction::kRevoke).ok());
  source_.Add(ChangeKind::kKey, a.key.id);
  ASSERT_TRUE(KeyService(*ctx_).Delete(admin_, b.key.id).ok());
  source_.Add(ChangeKind::kKey, b.key.id);
  EXPECT_EQ(MustCatchUp(), 2);
  EXPECT_EQ(RemoteCode(a.secret), VerifyCode::kRevoked);
  EXPECT_EQ(RemoteCode(b.secret), VerifyCode::kNotFound);
  EXPECT_EQ(MustCatchUp(), 0);  // nothing new
}

TEST_F(ChangeFeedTest, AChangeAppliedTwiceOrLateConvergesOnTheStoredState) {
  CreatedKey a = MustCreate("a");
  ASSERT_TRUE(KeyService(*ctx_).Apply(admin_, a.key.id, KeyAction::kDisable).ok());
  source_.Add(ChangeKind::kKey, a.key.id);
  source_.Add(ChangeKind::kKey, a.key.id);
  MustCatchUp();
  EXPECT_EQ(RemoteCode(a.secret), VerifyCode::kDisabled);
}

TEST_F(ChangeFeedTest, PrincipalsAndGroupChangesReachTheIndex) {
  CreatedKey a = MustCreate("a");
  auto group = GroupService(*ctx_).Create(admin_, {.namespace_id = project_,
                                                   .name = "readers",
                                                   .capabilities = {"keys:read"},
                                                   .members = {service_account_}});
  ASSERT_TRUE(group.ok()) << group.status().message();
  source_.Add(ChangeKind::kCapabilities, service_account_);
  MustCatchUp();
  auto caps = remote_.FindPrincipal(service_account_)->capabilities;
  ASSERT_NE(caps->In(project_), nullptr);
  EXPECT_EQ(*caps->In(project_), std::vector<std::string>{"keys:read"});

  ASSERT_TRUE(GroupService(*ctx_).Delete(admin_, group->id).ok());
  source_.Add(ChangeKind::kCapabilities, service_account_);
  auto disabled = PrincipalService(*ctx_).Update(admin_, service_account_,
                                                 {.status = domain::PrincipalStatus::kDisabled});
  ASSERT_TRUE(disabled.ok()) << disabled.status().message();
  source_.Add(ChangeKind::kPrincipal, service_account_);
  MustCatchUp();
  EXPECT_EQ(remote_.FindPrincipal(service_account_)->capabilities->In(project_), nullptr);
  EXPECT_EQ(remote_.FindPrincipal(service_account_)->status, domain::PrincipalStatus::kDisabled);
  EXPECT_NE(RemoteCode(a.secret), VerifyCode::kValid);
}

TEST_F(ChangeFeedTest, AnUnreachableStoreLeavesTheIndexAndLosesNothing) {
  CreatedKey a = MustCreate("a");
  MustCatchUp();
  ASSERT_TRUE(KeyService(*ctx_).Apply(admin_, a.key.id, KeyAction::kRevoke).ok());
  source_.Add(ChangeKind::kKey, a.key.id);
  source_.SetError(Unavailable("postgres: cannot connect"));
  EXPECT_EQ(feed_->CatchUp().status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(RemoteCode(a.secret), VerifyCode::kValid);  // still answering, from memory
  source_.SetError(Status::Ok());
  EXPECT_EQ(MustCatchUp(), 1);
  EXPECT_EQ(RemoteCode(a.secret), VerifyCode::kRevoked);
}

TEST_F(ChangeFeedTest, PrunedChangesReloadEverythingAndRemoveWhatIsGone) {
  CreatedKey a = MustCreate("a");
  CreatedKey b = MustCreate("b");
  MustCatchUp();
  ASSERT_TRUE(KeyService(*ctx_).Delete(admin_, a.key.id).ok());
  ASSERT_TRUE(KeyService(*ctx_).Apply(admin_, b.key.id, KeyAction::kRevoke).ok());
  CreatedKey c = MustCreate("c");
  source_.PruneAll();  // the changes above were never read
  MustCatchUp();
  EXPECT_EQ(RemoteCode(a.secret), VerifyCode::kNotFound);
  EXPECT_EQ(RemoteCode(b.secret), VerifyCode::kRevoked);
  EXPECT_EQ(RemoteCode(c.secret), VerifyCode::kValid);
  EXPECT_EQ(remote_.key_count(), index_.key_count());
}

TEST_F(ChangeFeedTest, TheThreadReportsAnOutageOnceAndCatchesUpWhenItEnds) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<bool, std::int64_t>> reports;
  ChangeFeed feed(source_, *store_, remote_, writes_, clock_, nullptr,
                  {.poll_interval = std::chrono::milliseconds(5)},
                  [&](const Status& status, std::int64_t caught_up) {
                    std::lock_guard<std::mutex> lock(mu);
                    reports.emplace_back(status.ok(), caught_up);
                    cv.notify_all();
                  });
  source_.SetError(Unavailable("postgres: cannot connect"));
  feed.Start(0);
  auto wait_for = [&](std::size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return reports.size() >= n; });
  };
  ASSERT_TRUE(wait_for(1));
  CreatedKey a = MustCreate("a");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // several failed rounds
  source_.SetError(Status::Ok());
  ASSERT_TRUE(wait_for(2));
  feed.Stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_FALSE(reports[0].first);
  EXPECT_TRUE(reports[1].first);
  EXPECT_EQ(reports[1].second, 1);
  EXPECT_EQ(RemoteCode(a.secret), VerifyCode::kValid);
}

}  // namespace
}  // namespace latchkey::service
