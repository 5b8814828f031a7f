#include "app/data_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "crypto/pepper.h"
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

}  // namespace

Result<OpenedDataDir> OpenDataDir(const std::string& dir, bool create,
                                  crypto::RandomSource& random) {
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
  LK_ASSIGN_OR_RETURN(opened.initialized, service::IsInitialized(*opened.store));
  return opened;
}

}  // namespace latchkey::app
