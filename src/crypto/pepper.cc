#include "crypto/pepper.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "crypto/hmac.h"

namespace latchkey::crypto {
namespace {

constexpr std::size_t kPepperBytes = 32;
constexpr std::size_t kMaxPepperFileBytes = 4096;  // far more than any sane pepper file
constexpr std::string_view kHexDigits = "0123456789abcdef";

std::string ErrnoText(const std::string& what, const std::string& path, int err) {
  return what + " " + path + ": " + std::strerror(err);
}

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `bytes` as lowercase hex followed by a newline: the pepper file format.
std::string HexLine(std::span<const std::uint8_t> bytes) {
  std::string line;
  line.reserve(2 * bytes.size() + 1);
  for (std::uint8_t byte : bytes) {
    line.push_back(kHexDigits[byte >> 4]);
    line.push_back(kHexDigits[byte & 0xf]);
  }
  line.push_back('\n');
  return line;
}

// Overwrites a string holding secret material when it goes out of scope.
class Wiper {
 public:
  explicit Wiper(std::string& s) : s_(s) {}
  ~Wiper() { OPENSSL_cleanse(s_.data(), s_.size()); }
  Wiper(const Wiper&) = delete;
  Wiper& operator=(const Wiper&) = delete;

 private:
  std::string& s_;
};

// Closes `fd` on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Makes the new directory entry of `path` durable, not just the file's contents.
Status SyncParentDirectory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Internal(ErrnoText("open directory", dir, errno));
  FdCloser closer(fd);
  if (::fsync(fd) != 0) return Internal(ErrnoText("fsync directory", dir, errno));
  return Status::Ok();
}

// Writes `contents` to the freshly created `fd` and syncs it.
Status WritePepper(int fd, const std::string& path, std::string_view contents) {
  if (!WriteAll(fd, contents)) return Internal(ErrnoText("write", path, errno));
  if (::fsync(fd) != 0) return Internal(ErrnoText("fsync", path, errno));
  return Status::Ok();
}

// Reads at most kMaxPepperFileBytes + 1 bytes of `fd` into `out`, straight into its buffer so
// that no intermediate copy of the pepper is left behind.
Status ReadSmallFile(int fd, const std::string& path, std::string& out) {
  out.resize(kMaxPepperFileBytes + 1);
  std::size_t used = 0;
  while (used < out.size()) {
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.resize(used);
      return Internal(ErrnoText("read", path, errno));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  out.resize(used);
  if (used > kMaxPepperFileBytes) return InvalidArgument("pepper file " + path + " too large");
  return Status::Ok();
}

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.remove_suffix(1);
  }
  return s;
}

// Opens `path` for reading and checks that it is a regular file only its owner can read.
Result<int> OpenPrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return NotFound("pepper file " + path + " does not exist");
  if (fd < 0) return Internal(ErrnoText("open", path, errno));
  struct stat st;
  Status status;
  if (::fstat(fd, &st) != 0) {
    status = Internal(ErrnoText("stat", path, errno));
  } else if (!S_ISREG(st.st_mode)) {
    status = InvalidArgument("pepper file " + path + " is not a regular file");
  } else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    status =
        InvalidArgument("pepper file " + path + " is accessible by group or others; chmod 600 it");
  }
  if (!status.ok()) {
    ::close(fd);
    return status;
  }
  return fd;
}

}  // namespace

Status CreatePepperFile(const std::string& path, RandomSource& random) {
  std::array<std::uint8_t, kPepperBytes> pepper;
  random.Fill(pepper);
  std::string contents = HexLine(pepper);
  OPENSSL_cleanse(pepper.data(), pepper.size());

  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) return Conflict("pepper file " + path + " already exists");
  if (fd < 0) return Internal(ErrnoText("create", path, errno));
  Status status = WritePepper(fd, path, contents);
  ::close(fd);
  OPENSSL_cleanse(contents.data(), contents.size());
  if (!status.ok()) {
    ::unlink(path.c_str());  // a half-written pepper must not be loaded later
    return status;
  }
  return SyncParentDirectory(path);
}

Result<std::vector<std::uint8_t>> LoadPepperFile(const std::string& path) {
  LK_ASSIGN_OR_RETURN(const int fd, OpenPrivateFile(path));
  std::string contents;
  const Wiper wiper(contents);
  const Status read = ReadSmallFile(fd, path, contents);
  ::close(fd);
  if (!read.ok()) return read;
  Result<std::vector<std::uint8_t>> pepper = DecodePepper(TrimTrailingSpace(contents));
  if (!pepper.ok())
    return InvalidArgument("pepper file " + path + ": " + pepper.status().message());
  return pepper;
}

Result<std::vector<std::uint8_t>> DecodePepper(std::string_view hex) {
  if (hex.size() % 2 != 0) return InvalidArgument("pepper must be an even number of hex digits");
  if (hex.size() < 2 * kMinPepperBytes) {
    return InvalidArgument("pepper must be at least 64 hex digits (32 bytes)");
  }
  std::vector<std::uint8_t> pepper(hex.size() / 2);
  for (std::size_t i = 0; i < pepper.size(); ++i) {
    const int high = HexNibble(hex[2 * i]);
    const int low = HexNibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      OPENSSL_cleanse(pepper.data(), pepper.size());
      return InvalidArgument("pepper must be hex digits only");
    }
    pepper[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return pepper;
}

}  // namespace latchkey::crypto
