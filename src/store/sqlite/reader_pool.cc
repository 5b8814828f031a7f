#include "store/sqlite/reader_pool.h"

#include <utility>

namespace latchkey::store::sqlite {

ReaderPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

ReaderPool::ReaderPool(std::string path, int busy_timeout_ms, std::size_t max_idle)
    : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms), max_idle_(max_idle) {}

Result<ReaderPool::Lease> ReaderPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
  }
  // Opened outside the lock: opening touches the file system.
  LK_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                      Connection::Open(path_, Connection::Mode::kReadOnly, busy_timeout_ms_));
  return Lease(this, std::move(conn));
}

void ReaderPool::Release(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
}

}  // namespace latchkey::store::sqlite
