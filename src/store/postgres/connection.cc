#include "store/postgres/connection.h"

#include <poll.h>

#include <cerrno>
#include <charconv>
#include <utility>

namespace latchkey::store::postgres {
namespace {

std::string Field(const PGresult* result, int code) {
  const char* value = result != nullptr ? PQresultErrorField(result, code) : nullptr;
  return value != nullptr ? value : "";
}

// SQLSTATEs that say "the server or the connection is not there, try again later".
bool IsUnavailable(std::string_view state) {
  return state.starts_with("08") ||             // connection exception
         state.starts_with("57P") ||            // server shutting down, cannot connect now
         state == "53300" ||                    // too many clients
         state == "55P03" ||                    // lock_timeout reached
         state == "57014" ||                    // statement_timeout reached (or cancelled)
         state == "40001" || state == "40P01";  // serialization failure, deadlock
}

// libpq's message on one line: its lines (a hint after "\n\t") joined with spaces, so that an
// error stays one line of a JSON log or one readable API message.
std::string Trimmed(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// libpq prints server notices (and "terminating connection" messages) on stderr by default,
// which would break the JSON log: they are dropped; errors reach callers as statuses.
void IgnoreNotice(void*, const char*) {}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// --- Params ---

Params& Params::Text(std::string_view v) {
  has_nul_ = has_nul_ || v.find('\0') != std::string_view::npos;
  values_.emplace_back(std::string(v));
  formats_.push_back(0);
  return *this;
}

Params& Params::OptionalText(const std::optional<std::string>& v) { return v ? Text(*v) : Null(); }

Params& Params::Int64(std::int64_t v) { return Text(std::to_string(v)); }

Params& Params::OptionalInt64(std::optional<std::int64_t> v) { return v ? Int64(*v) : Null(); }

Params& Params::Bool(bool v) { return Text(v ? "t" : "f"); }

Params& Params::Bytes(std::span<const std::uint8_t> v) {
  values_.emplace_back(std::string(v.begin(), v.end()));
  formats_.push_back(1);
  return *this;
}

Params& Params::Null() {
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

std::vector<const char*> Params::Values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->data() : nullptr);
  return out;
}

std::vector<int> Params::Lengths() const {
  std::vector<int> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? static_cast<int>(v->size()) : 0);
  return out;
}

// --- Rows ---

std::int64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  std::int64_t value = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), value);
  return value;
}

std::string_view Rows::TextView(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::optional<std::string> Rows::OptionalText(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Text(row, column);
}

std::int64_t Rows::Int64(int row, int column) const {
  std::string_view text = TextView(row, column);
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<std::int64_t> Rows::OptionalInt64(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int64(row, column);
}

std::optional<std::vector<std::uint8_t>> Rows::Bytes(int row, int column) const {
  std::string_view text = TextView(row, column);
  if (!text.starts_with("\\x") || text.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2 - 1);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    const int hi = HexValue(text[i]);
    const int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectOptions& options) {
  // Server settings travel in the startup packet ("options"), so a new connection is ready
  // without another round trip. Values are ours (a checked schema name, numbers), not user input.
  // client_min_messages: NOTICEs (e.g. "drop cascades to ...") would go to stderr by default.
  // statement_timeout bounds how long one statement may hold a pooled connection (and the
  // cluster-wide write lock) when the server is overloaded or a lock is stuck.
  std::string server_options =
      "-c lock_timeout=" + std::to_string(options.lock_timeout_ms) +
      " -c statement_timeout=" + std::to_string(options.statement_timeout_ms) +
      " -c client_min_messages=warning";
  if (!options.schema.empty()) server_options += " -c search_path=" + options.schema;
  const std::string timeout = std::to_string(options.connect_timeout_s);
  // TCP keepalives notice a server (or a network path) that went away without closing the
  // connection, within about idle + interval x count seconds, instead of the kernel's 2 hours:
  // the change listener would otherwise wait on a dead socket.
  // Later keywords override what the URL (expanded from "dbname") says.
  const char* keys[] = {"dbname",     "application_name", "connect_timeout",     "options",
                        "keepalives", "keepalives_idle",  "keepalives_interval", "keepalives_count",
                        nullptr};
  const char* values[] = {options.url.c_str(),
                          options.application_name.c_str(),
                          timeout.c_str(),
                          server_options.c_str(),
                          "1",
                          "10",
                          "5",
                          "3",
                          nullptr};
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.url.c_str(), &parse_error);
  PQconninfoFree(parsed);
  if (parsed == nullptr) {
    PQfreemem(parse_error);  // it quotes the URL, password included: not repeated
    return InvalidArgument("postgres: the connection URL is malformed");
  }
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (raw == nullptr) return Internal("postgres: out of memory while connecting");
  PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
  std::unique_ptr<Connection> conn(new Connection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    // libpq's message names the host and port and why; it never repeats the password.
    return Unavailable("postgres: cannot connect: " + Trimmed(PQerrorMessage(raw)));
  }
  return conn;
}

Status Connection::Exec(const std::string& sql, std::string_view context) {
  return Query(sql, context).status();
}

Result<Rows> Connection::Query(const std::string& sql, std::string_view context) {
  if (lost_) return Unavailable("postgres: " + std::string(context) + ": connection lost");
  return Check(PQexec(conn_.get(), sql.c_str()), context);
}

Result<Rows> Connection::Execute(const std::string& sql, const Params& params,
                                 std::string_view context) {
  if (lost_) return Unavailable("postgres: " + std::string(context) + ": connection lost");
  if (params.has_nul()) {
    return InvalidArgument("postgres: " + std::string(context) + ": a text value holds a NUL byte");
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "lk_" + std::to_string(prepared_.size() + 1);
    // Parameter types are left to the server to infer from the SQL (casts where it cannot).
    LK_RETURN_IF_ERROR(
        Check(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr), context).status());
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  const std::vector<const char*> values = params.Values();
  const std::vector<int> lengths = params.Lengths();
  return Check(PQexecPrepared(conn_.get(), it->second.c_str(), params.size(), values.data(),
                              lengths.data(), params.Formats().data(), /*resultFormat=*/0),
               context);
}

Result<bool> Connection::WaitForNotification(std::chrono::milliseconds timeout) {
  PGconn* conn = conn_.get();
  auto drain = [conn] {
    bool notified = false;
    while (PGnotify* n = PQnotifies(conn)) {
      notified = true;
      PQfreemem(n);
    }
    return notified;
  };
  if (lost_) return Unavailable("postgres: waiting for changes: connection lost");
  if (drain()) return true;
  int fd = PQsocket(conn);
  if (fd < 0) {
    lost_ = true;
    return Unavailable("postgres: waiting for changes: connection lost");
  }
  pollfd wait{.fd = fd, .events = POLLIN, .revents = 0};
  int ready = ::poll(&wait, 1, static_cast<int>(timeout.count()));
  if (ready == 0 || (ready < 0 && errno == EINTR)) return false;
  // Readable: notifications, or the end of the connection (which PQconsumeInput reports).
  if (ready < 0 || PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) {
    lost_ = true;
    return Unavailable("postgres: waiting for changes: " + Trimmed(PQerrorMessage(conn)));
  }
  return drain();
}

bool Connection::broken() const { return lost_ || PQstatus(conn_.get()) != CONNECTION_OK; }

bool Connection::in_transaction() const { return PQtransactionStatus(conn_.get()) != PQTRANS_IDLE; }

bool Connection::transaction_failed() const {
  return PQtransactionStatus(conn_.get()) == PQTRANS_INERROR;
}

Result<Rows> Connection::Check(PGresult* result, std::string_view context) {
  Rows rows(result);  // owns `result` (which may be null) from here on
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows;

  const std::string state = Field(result, PG_DIAG_SQLSTATE);
  const std::string where = "postgres: " + std::string(context) + ": ";
  const bool transport_failed = PQstatus(conn_.get()) != CONNECTION_OK || state.empty();
  if (transport_failed || IsUnavailable(state)) {
    // The server ends the session after 08xxx and 57Pxx errors even if libpq has not noticed.
    if (transport_failed || state.starts_with("08") || state.starts_with("57P")) lost_ = true;
    // Transport errors have no SQLSTATE; PQerrorMessage then says what happened.
    std::string detail = state.empty() ? Trimmed(PQerrorMessage(conn_.get()))
                                       : Field(result, PG_DIAG_MESSAGE_PRIMARY);
    return Unavailable(where + (state.empty() ? "" : state + " ") + detail);
  }
  if (state == "23505" || state == "23503") {
    last_constraint_ = Field(result, PG_DIAG_CONSTRAINT_NAME);
    return Conflict(where + "constraint " + last_constraint_ + " violated");
  }
  // Data exceptions (class 22) and other integrity errors quote the offending value in their
  // message: say only which error it was.
  if (state.starts_with("22") || state.starts_with("23")) {
    return Internal(where + "SQLSTATE " + state);
  }
  return Internal(where + state + " " + Field(result, PG_DIAG_MESSAGE_PRIMARY));
}

}  // namespace latchkey::store::postgres
