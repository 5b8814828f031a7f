#include "app/data_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "crypto/pepper.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace latchkey::app {
namespace {

Status EnsureDirectory(const std::string& dir, bool create) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Status::Ok();
  if (!create) return NotFound("no data directory at " + dir);
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("cannot create data directory " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return Status::Ok();
}

Result<std::vector<std::uint8_t>> LoadPepper(const std::string& dir, bool create,
                                             crypto::RandomSource& random) {
  if (const char* env = std::getenv("LATCHKEY_PEPPER"); env && *env) {
    auto pepper = crypto::DecodePepper(env);
    if (!pepper.ok()) return InvalidArgument("LATCHKEY_PEPPER: " + pepper.status().message());
    return pepper;
  }
  std::string path = dir + "/pepper";
  auto pepper = crypto::LoadPepperFile(path);
  if (pepper.ok() || pepper.status().code() != ErrorCode::kNotFound || !create) return pepper;
  LK_RETURN_IF_ERROR(crypto::CreatePepperFile(path, random));
  return crypto::LoadPepperFile(path);
}

std::string Hex(const domain::Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : digest) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// Records the pepper's check value in a store that has none, or compares it with the one there.
Status CheckPepper(store::Store& store, const crypto::SecretHasher& hasher) {
  const std::string check = Hex(hasher.Digest("latchkey pepper check v1"));
  return store.Write([&](store::Transaction& tx) -> Status {
    auto stored = tx.GetSetting(std::string(kPepperCheckSetting));
    if (stored.ok()) {
      if (*stored == check) return Status::Ok();
      return Conflict(
          "the pepper differs from the one this store was initialized with: every node must use "
          "the same pepper (copy the first node's DATA/pepper or set LATCHKEY_PEPPER; "
          "docs/operations.md)");
    }
    if (stored.status().code() != ErrorCode::kNotFound) return stored.status();
    return tx.PutSetting(std::string(kPepperCheckSetting), check);
  });
}

Result<OpenedDataDir> OpenPostgres(const std::string& dir, bool create,
                                   crypto::RandomSource& random, const std::string& url) {
  OpenedDataDir opened;
  auto pg = store::postgres::PostgresStore::Open({.url = url});
  if (!pg.ok()) return pg.status();
  opened.description = "postgres " + RedactedUrl(url);
  if (!(*pg)->notifies()) {
    opened.description += " (without LISTEN/NOTIFY: changes found by polling the change log)";
  }
  opened.changes = pg->get();
  opened.store = std::move(*pg);
  LK_ASSIGN_OR_RETURN(opened.initialized, service::IsInitialized(*opened.store));
  if (create) LK_RETURN_IF_ERROR(EnsureDirectory(dir, true));
  auto pepper = LoadPepper(dir, create && !opened.initialized, random);
  if (!pepper.ok() && pepper.status().code() == ErrorCode::kNotFound) {
    return Conflict(
        "the database is initialized and this node has no pepper: copy " + dir +
        "/pepper from the node that initialized it, or set LATCHKEY_PEPPER (docs/operations.md)");
  }
  if (!pepper.ok()) return pepper.status();
  LK_ASSIGN_OR_RETURN(opened.hasher, crypto::SecretHasher::Create(*pepper));
  return opened;
}

}  // namespace

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

std::string RedactedUrl(std::string_view url) {
  std::string out(url);
  // A "password=" parameter of the query string.
  for (std::size_t at = out.find("password="); at != std::string::npos;
       at = out.find("password=", at + 1)) {
    if (at == 0 || (out[at - 1] != '?' && out[at - 1] != '&')) continue;
    std::size_t value = at + 9, end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  // The password of "scheme://user:password@host".
  std::size_t scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  std::size_t start = scheme + 3;
  std::size_t at = out.find('@', start);
  std::size_t slash = out.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return out;
  std::size_t colon = out.find(':', start);
  if (colon == std::string::npos || colon > at) return out;
  return out.substr(0, colon + 1) + "***" + out.substr(at);
}

Result<OpenedDataDir> OpenDataDir(const std::string& dir, bool create, crypto::RandomSource& random,
                                  const std::string& store_url) {
  if (!store_url.empty()) {
    if (!IsPostgresUrl(store_url)) {
      return InvalidArgument(
          "--store must be a postgres:// or postgresql:// URL (or empty for SQLite in --data)");
    }
    LK_ASSIGN_OR_RETURN(OpenedDataDir opened, OpenPostgres(dir, create, random, store_url));
    LK_RETURN_IF_ERROR(CheckPepper(*opened.store, *opened.hasher));
    return opened;
  }
  LK_RETURN_IF_ERROR(EnsureDirectory(dir, create));
  std::string db_path = dir + "/latchkey.db";
  bool db_exists = std::filesystem::exists(db_path);
  if (!db_exists && !create) return NotFound("no latchkey database in " + dir);
  // The pepper is only created together with a new database: a lost pepper must never be
  // silently replaced, since every stored digest depends on it.
  LK_ASSIGN_OR_RETURN(auto pepper, LoadPepper(dir, create && !db_exists, random));
  OpenedDataDir opened;
  LK_ASSIGN_OR_RETURN(opened.hasher, crypto::SecretHasher::Create(pepper));
  LK_ASSIGN_OR_RETURN(auto sqlite, store::sqlite::SqliteStore::Open(db_path));
  opened.store = std::move(sqlite);
  opened.description = "sqlite " + db_path;
  LK_ASSIGN_OR_RETURN(opened.initialized, service::IsInitialized(*opened.store));
  LK_RETURN_IF_ERROR(CheckPepper(*opened.store, *opened.hasher));
  return opened;
}

}  // namespace latchkey::app
