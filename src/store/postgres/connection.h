#pragma once
// Connection: one libpq connection to PostgreSQL with its prepared statements, and the Params and
// Rows that go in and come out of it.
//
// Statements: Execute prepares each distinct SQL text once per connection (PQprepare, under a
// generated name "lk_<n>") and runs it with PQexecPrepared; values are always bound as
// parameters, never spliced into SQL. Parameters are sent in text format except BYTEA (binary);
// results come back in text format.
// Errors (PostgresStatus): a lost or refused connection, a server shutting down, a lock or
// serialization timeout are kUnavailable; a unique or foreign-key violation is kConflict (the
// violated constraint's name is kept for the caller to phrase a message); anything else is
// kInternal. Messages carry the context, the SQLSTATE and the server's primary message, never
// its DETAIL (which quotes row values such as digests) nor, for data errors, the message itself.
// A connection that failed at the transport level is broken() from then on and must be dropped.
//
// Ownership: owns its PGconn. Thread-safety: none; one thread at a time (ConnectionPool leases it
// to one transaction at a time).

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/result.h"

namespace latchkey::store::postgres {

// Where and how to connect. `url` is a libpq connection URI or key=value string; `schema`, when
// not empty, becomes the search_path ([A-Za-z0-9_]+, checked by PostgresStore::Open).
struct ConnectOptions {
  std::string url;
  std::string schema;
  std::string application_name = "latchkey";
  int connect_timeout_s = 5;
  int lock_timeout_ms = 10'000;  // a Write waiting longer for another node's write: kUnavailable
  int statement_timeout_ms = 30'000;  // one statement running longer: kUnavailable
};

// Query parameters $1, $2, ... in the order they are added.
class Params {
 public:
  Params& Text(std::string_view v);
  Params& OptionalText(const std::optional<std::string>& v);
  Params& Int64(std::int64_t v);
  Params& OptionalInt64(std::optional<std::int64_t> v);
  Params& Bool(bool v);
  Params& Bytes(std::span<const std::uint8_t> v);
  Params& Null();

  int size() const { return static_cast<int>(values_.size()); }
  // True when a text value holds a NUL byte, which PostgreSQL text cannot store (and libpq would
  // silently cut the value there): Connection::Execute refuses such parameters.
  bool has_nul() const { return has_nul_; }
  // Views for PQexecPrepared, valid while this object is unchanged.
  std::vector<const char*> Values() const;
  std::vector<int> Lengths() const;
  const std::vector<int>& Formats() const { return formats_; }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
  bool has_nul_ = false;
};

// The rows of one result, in text format. Column accessors take (row, column) indexes that the
// caller knows to be in range (from the SQL it wrote).
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}

  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  // Rows affected by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;

  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view TextView(int row, int column) const;
  std::string Text(int row, int column) const { return std::string(TextView(row, column)); }
  std::optional<std::string> OptionalText(int row, int column) const;
  // 0 when the text is not a number (a column the SQL declares BIGINT never is).
  std::int64_t Int64(int row, int column) const;
  std::optional<std::int64_t> OptionalInt64(int row, int column) const;
  bool Bool(int row, int column) const { return TextView(row, column) == "t"; }
  // A BYTEA column ("\x..." hex text) decoded; std::nullopt when it is not valid hex.
  std::optional<std::vector<std::uint8_t>> Bytes(int row, int column) const;

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

class Connection {
 public:
  // Connects. kUnavailable (with libpq's reason, which names host and port but no password) when
  // the server cannot be reached or refuses; kInvalidArgument for a malformed URL (the message
  // does not repeat it: it may hold a password).
  static Result<std::unique_ptr<Connection>> Open(const ConnectOptions& options);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (one or more statements, no parameters) with the simple query protocol; for BEGIN,
  // COMMIT, DECLARE and migrations. `context` names the operation in error messages.
  Status Exec(const std::string& sql, std::string_view context);
  // Runs `sql` with no parameters and returns its rows (the last statement's).
  Result<Rows> Query(const std::string& sql, std::string_view context);
  // Runs `sql` as a statement prepared on this connection on first use, binding `params`.
  // kInvalidArgument, without sending anything, when a text parameter holds a NUL byte.
  Result<Rows> Execute(const std::string& sql, const Params& params, std::string_view context);

  // After LISTEN on this connection: waits up to `timeout` for a notification. true when one (or
  // more) arrived, false on timeout or a signal; kUnavailable when the connection is lost.
  Result<bool> WaitForNotification(std::chrono::milliseconds timeout);

  // The constraint named by the last kConflict error, e.g. "api_keys_name_key".
  const std::string& last_constraint() const { return last_constraint_; }
  // True once the connection is lost (or in a state it cannot leave): drop it, open another.
  bool broken() const;
  // True while a transaction is open (or failed and not yet rolled back).
  bool in_transaction() const;
  // True when a statement of the open transaction failed: it can only be rolled back.
  bool transaction_failed() const;

 private:
  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  explicit Connection(PGconn* conn) : conn_(conn) {}

  // Turns a finished PGresult into Rows, or into the error it reports.
  Result<Rows> Check(PGresult* result, std::string_view context);

  std::unique_ptr<PGconn, Finish> conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
  std::string last_constraint_;
  bool lost_ = false;
};

}  // namespace latchkey::store::postgres
