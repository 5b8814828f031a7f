#pragma once
// ConnectionPool: a fixed number of PostgreSQL connections shared by the threads of one store.
//
// Connections are opened lazily, when a lease is asked for and none is idle, up to `size`; past
// that, Acquire waits (up to `acquire_timeout`) for one to come back. A lease returns its
// connection when destroyed, unless the connection is broken or was discarded: then it is closed,
// and so are all idle ones (they most likely went down with it: a server restart, a failover), so
// the next Acquire opens a fresh connection instead of failing on a dead one. A server that is
// down makes Acquire fail with kUnavailable; it never crashes and never blocks longer than the
// connect timeout, and the next call tries again.
//
// Ownership: owns every connection; a Lease must not outlive its pool.
// Thread-safety: Acquire may be called from any thread; a Lease belongs to one thread.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "domain/result.h"
#include "store/postgres/connection.h"

namespace latchkey::store::postgres {

class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), conn_(std::move(other.conn_)), discard_(other.discard_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    Connection& connection() { return *conn_; }
    // Closes the connection instead of returning it (its state is unknown).
    void Discard() { discard_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}

    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
    bool discard_ = false;
  };

  ConnectionPool(ConnectOptions options, std::size_t size,
                 std::chrono::milliseconds acquire_timeout);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection, or a new one. kUnavailable when the server cannot be reached, or when all
  // `size` connections stay busy for `acquire_timeout`.
  Result<Lease> Acquire();

  // Connections open now, leased or idle (for tests and metrics).
  std::size_t open_count();

 private:
  void Return(std::unique_ptr<Connection> conn, bool discard);

  const ConnectOptions options_;
  const std::size_t size_;
  const std::chrono::milliseconds acquire_timeout_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  std::size_t open_ = 0;                           // leased + idle + being opened; by mu_
};

}  // namespace latchkey::store::postgres
