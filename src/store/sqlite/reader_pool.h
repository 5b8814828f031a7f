#pragma once
// ReaderPool: read-only connections to one database, handed out one per reader so that reads run
// in parallel with each other and, in WAL mode, never wait for the writer.
//
// Acquire never blocks on other readers: it reuses an idle connection or opens a new one; at most
// `max_idle` connections are kept for reuse, the rest are closed when returned. Each connection
// keeps its own prepared-statement cache, which is why they are reused.
// Ownership: the pool owns idle connections; a Lease owns its connection until destroyed and
// must not outlive the pool. Thread-safety: Acquire and Lease destruction are thread-safe; a
// Lease itself is used by one thread.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/result.h"
#include "store/sqlite/connection.h"

namespace latchkey::store::sqlite {

class ReaderPool {
 public:
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    Connection& connection() { return *conn_; }
    // Closes the connection instead of returning it to the pool (after it misbehaved).
    void Discard() { conn_.reset(); }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  ReaderPool(std::string path, int busy_timeout_ms, std::size_t max_idle);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  // Returns a lease on a read-only connection, or the error of opening a new one (kUnavailable).
  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> conn);

  const std::string path_;
  const int busy_timeout_ms_;
  const std::size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

}  // namespace latchkey::store::sqlite
