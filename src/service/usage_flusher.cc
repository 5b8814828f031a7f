#include "service/usage_flusher.h"

namespace latchkey::service {

UsageFlusher::UsageFlusher(UsageMeter& meter, store::Store& store,
                           std::chrono::milliseconds interval)
    : meter_(meter), store_(store), interval_(interval), thread_([this] { Run(); }) {}

UsageFlusher::~UsageFlusher() { Stop(); }

Status UsageFlusher::FlushNow() {
  std::lock_guard flush_lock(flush_mu_);
  std::vector<store::KeyUsage> batch = meter_.TakeDirty();
  if (batch.empty()) return Status::Ok();
  std::vector<store::StoredQuota> stored;
  Status written = store_.Write([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(stored, tx.RecordUsage(batch));
    return Status::Ok();
  });
  if (written.ok()) {
    meter_.Sync(stored);
  } else {
    meter_.PutBack(batch);
  }
  return written;
}

void UsageFlusher::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  (void)FlushNow();
}

void UsageFlusher::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    (void)FlushNow();  // a failure keeps the batch for the next round
    lock.lock();
  }
}

}  // namespace latchkey::service
