#include "crypto/pepper.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/fake_random.h"

namespace latchkey::crypto {
namespace {

// A fresh directory under TMPDIR, removed with its contents at the end of the test.
class PepperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "pepper_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  void WriteFile(const std::string& path, const std::string& contents, mode_t mode) {
    std::ofstream(path) << contents;
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  }

  std::filesystem::path dir_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

const std::string kHex64 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST_F(PepperTest, CreatesPrivateHexFileThatLoads) {
  SeededRandom random(1);
  const std::string path = Path("pepper");
  ASSERT_TRUE(CreatePepperFile(path, random).ok());

  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string contents = ReadFile(path);
  ASSERT_EQ(contents.size(), 65u);
  EXPECT_EQ(contents.back(), '\n');
  EXPECT_EQ(contents.find_first_not_of("0123456789abcdef"), 64u);

  Result<std::vector<std::uint8_t>> pepper = LoadPepperFile(path);
  ASSERT_TRUE(pepper.ok()) << pepper.status().message();
  EXPECT_EQ(pepper->size(), 32u);
  EXPECT_EQ(*pepper, *DecodePepper(std::string_view(contents).substr(0, 64)));
}

TEST_F(PepperTest, CreateRefusesExistingFile) {
  SeededRandom random(1);
  const std::string path = Path("pepper");
  WriteFile(path, "keep me", 0600);
  const Status status = CreatePepperFile(path, random);
  EXPECT_EQ(status.code(), ErrorCode::kConflict);
  EXPECT_EQ(ReadFile(path), "keep me");
}

TEST_F(PepperTest, CreateReportsMissingDirectory) {
  SeededRandom random(1);
  EXPECT_EQ(CreatePepperFile(Path("no/such/dir/pepper"), random).code(), ErrorCode::kInternal);
}

TEST_F(PepperTest, LoadReportsMissingFile) {
  EXPECT_EQ(LoadPepperFile(Path("missing")).status().code(), ErrorCode::kNotFound);
}

TEST_F(PepperTest, LoadRefusesGroupOrOtherAccess) {
  for (mode_t mode : {0640, 0604, 0644, 0660, 0610, 0601}) {
    const std::string path = Path("pepper" + std::to_string(mode));
    WriteFile(path, kHex64 + "\n", mode);
    EXPECT_EQ(LoadPepperFile(path).status().code(), ErrorCode::kInvalidArgument) << mode;
  }
}

TEST_F(PepperTest, LoadAcceptsOwnerOnlyModes) {
  for (mode_t mode : {0600, 0400}) {
    const std::string path = Path("pepper" + std::to_string(mode));
    WriteFile(path, kHex64 + "\n", mode);
    Result<std::vector<std::uint8_t>> pepper = LoadPepperFile(path);
    ASSERT_TRUE(pepper.ok()) << pepper.status().message();
    EXPECT_EQ((*pepper)[31], 0x1f);
  }
}

TEST_F(PepperTest, LoadAcceptsFileWithoutNewlineOrWithCrLf) {
  WriteFile(Path("a"), kHex64, 0600);
  WriteFile(Path("b"), kHex64 + "\r\n", 0600);
  EXPECT_TRUE(LoadPepperFile(Path("a")).ok());
  EXPECT_TRUE(LoadPepperFile(Path("b")).ok());
}

TEST_F(PepperTest, LoadRefusesBadContents) {
  for (const std::string& contents :
       {std::string(), std::string("\n"), kHex64.substr(0, 62) + "\n", kHex64 + "0\n",
        "zz" + kHex64.substr(2) + "\n", std::string(5000, '0')}) {
    const std::string path = Path("bad");
    std::filesystem::remove(path);
    WriteFile(path, contents, 0600);
    EXPECT_EQ(LoadPepperFile(path).status().code(), ErrorCode::kInvalidArgument) << contents;
  }
}

TEST_F(PepperTest, LoadRefusesDirectory) {
  const std::string path = Path("dir");
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  EXPECT_EQ(LoadPepperFile(path).status().code(), ErrorCode::kInvalidArgument);
}

TEST(DecodePepper, DecodesHexOfEitherCase) {
  Result<std::vector<std::uint8_t>> pepper = DecodePepper(std::string(64, 'A'));
  ASSERT_TRUE(pepper.ok());
  EXPECT_EQ(*pepper, std::vector<std::uint8_t>(32, 0xaa));
  EXPECT_EQ(*DecodePepper(std::string(64, 'a')), *pepper);
  EXPECT_EQ(DecodePepper(std::string(128, 'f'))->size(), 64u);
}

TEST(DecodePepper, RefusesShortOddOrNonHex) {
  for (const std::string& hex :
       {std::string(), std::string(62, '0'), std::string(65, '0'), std::string(63, '0') + "g",
        std::string(63, '0') + " ", " " + std::string(64, '0'), "0x" + std::string(64, '0')}) {
    EXPECT_EQ(DecodePepper(hex).status().code(), ErrorCode::kInvalidArgument) << hex;
  }
}

// Error messages may name the file but must never echo its contents.
TEST_F(PepperTest, ErrorsDoNotEchoContents) {
  const std::string secretish = "deadbeef" + std::string(55, '1') + "x";
  WriteFile(Path("p"), secretish, 0600);
  const Status status = LoadPepperFile(Path("p")).status();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().find("deadbeef"), std::string::npos);
}

}  // namespace
}  // namespace latchkey::crypto
