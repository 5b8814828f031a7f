#include "store/sqlite/migrator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace latchkey::store::sqlite {
namespace {

using ::testing::HasSubstr;

constexpr EmbeddedMigration kTwo[] = {
    {"V001__first.sql",
     "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
     "applied_at INTEGER NOT NULL); CREATE TABLE a (x INTEGER);"},
    {"V002__second.sql", "CREATE TABLE b (y INTEGER);"},
};

std::unique_ptr<Connection> OpenMemory() {
  auto conn = Connection::Open(":memory:", Connection::Mode::kReadWrite, 1000);
  EXPECT_TRUE(conn.ok()) << conn.status().message();
  return std::move(*conn);
}

std::string Query(Connection& conn, const std::string& sql) {
  Result<std::string> text = conn.QueryText(sql, "test query");
  EXPECT_TRUE(text.ok()) << text.status().message();
  return text.ok() ? *text : "";
}

TEST(Migrator, EmbeddedMigrationsAreWellFormed) {
  Result<std::vector<Migration>> migrations = ParseMigrations(EmbeddedMigrations());
  ASSERT_TRUE(migrations.ok()) << migrations.status().message();
  ASSERT_FALSE(migrations->empty());
  EXPECT_EQ(migrations->front().name, "V001__init.sql");
  EXPECT_THAT(std::string(migrations->front().sql), HasSubstr("CREATE TABLE api_keys"));
}

TEST(Migrator, ParseRejectsBadNamesAndGaps) {
  const std::vector<std::vector<EmbeddedMigration>> bad = {
      {{"001__x.sql", ""}},
      {{"V001_x.sql", ""}},
      {{"V001__x.txt", ""}},
      {{"V__x.sql", ""}},
      {{"V001__.sql", ""}},
      {{"V002__x.sql", ""}},                       // does not start at 1
      {{"V001__x.sql", ""}, {"V003__z.sql", ""}},  // gap
  };
  for (const auto& files : bad) {
    Result<std::vector<Migration>> parsed = ParseMigrations(files);
    EXPECT_FALSE(parsed.ok()) << files.back().file_name;
  }
  Result<std::vector<Migration>> good = ParseMigrations(kTwo);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->at(1).version, 2);
}

TEST(Migrator, AppliesPendingMigrationsInOrderAndOnlyOnce) {
  std::unique_ptr<Connection> conn = OpenMemory();
  std::vector<Migration> all = ParseMigrations(kTwo).value();
  std::vector<Migration> first_only(all.begin(), all.begin() + 1);

  EXPECT_EQ(ApplyMigrations(*conn, first_only, 10).value(), 1);
  EXPECT_EQ(Query(*conn, "SELECT count(*) FROM sqlite_master WHERE name = 'b'"), "0");
  EXPECT_EQ(ApplyMigrations(*conn, all, 20).value(), 2);
  EXPECT_EQ(ApplyMigrations(*conn, all, 30).value(), 2);
  EXPECT_EQ(Query(*conn, "SELECT count(*) FROM sqlite_master WHERE name = 'b'"), "1");
  EXPECT_EQ(Query(*conn,
                  "SELECT group_concat(version || ':' || applied_at) FROM "
                  "schema_migrations"),
            "1:10,2:20");
}

TEST(Migrator, AFailingMigrationAppliesNothing) {
  std::unique_ptr<Connection> conn = OpenMemory();
  const EmbeddedMigration files[] = {kTwo[0], kTwo[1], {"V003__broken.sql", "CREATE TABLE ("}};
  Result<int> version = ApplyMigrations(*conn, ParseMigrations(files).value(), 10);
  ASSERT_FALSE(version.ok());
  EXPECT_THAT(version.status().message(), HasSubstr("V003__broken.sql"));
  EXPECT_EQ(Query(*conn, "SELECT count(*) FROM sqlite_master"), "0");
}

TEST(Migrator, RefusesANewerDatabase) {
  std::unique_ptr<Connection> conn = OpenMemory();
  std::vector<Migration> all = ParseMigrations(kTwo).value();
  ASSERT_TRUE(ApplyMigrations(*conn, all, 10).ok());
  Result<int> older = ApplyMigrations(*conn, std::span(all).first(1), 20);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.status().code(), ErrorCode::kInternal);
  EXPECT_THAT(older.status().message(),
              HasSubstr("database schema version 2 is newer than this binary supports (1)"));
}

}  // namespace
}  // namespace latchkey::store::sqlite
