#include "store/postgres/connection_pool.h"

#include <utility>

namespace latchkey::store::postgres {

ConnectionPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Return(std::move(conn_), discard_);
}

ConnectionPool::ConnectionPool(ConnectOptions options, std::size_t size,
                               std::chrono::milliseconds acquire_timeout)
    : options_(std::move(options)), size_(size), acquire_timeout_(acquire_timeout) {}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    const bool ready =
        returned_.wait_for(lock, acquire_timeout_, [&] { return !idle_.empty() || open_ < size_; });
    if (!ready) {
      return Unavailable("postgres: all " + std::to_string(size_) +
                         " connections stayed busy; try again");
    }
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve the slot; connect without holding the lock
  }
  Result<std::unique_ptr<Connection>> conn = Connection::Open(options_);
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    returned_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(*conn));
}

std::size_t ConnectionPool::open_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

void ConnectionPool::Return(std::unique_ptr<Connection> conn, bool discard) {
  std::vector<std::unique_ptr<Connection>> closing;  // closed outside the lock
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (discard || conn->broken() || conn->in_transaction()) {
      closing.push_back(std::move(conn));
      --open_;
      if (closing.back()->broken()) {  // the idle ones are suspect too
        open_ -= idle_.size();
        for (auto& idle : idle_) closing.push_back(std::move(idle));
        idle_.clear();
      }
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  returned_.notify_all();
}

}  // namespace latchkey::store::postgres
