#include "domain/ip_range.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace latchkey::domain {
namespace {

// Longer than any address text (45 characters for IPv6 with an embedded IPv4, plus brackets).
constexpr std::size_t kMaxAddressText = 64;
constexpr int kV4MappedBits = 96;
constexpr std::size_t kMaxQuotedLength = 64;

bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

// Compares the first `bits` bits of two addresses.
bool SamePrefix(const IpAddress& a, const IpAddress& b, int bits) {
  auto whole = static_cast<std::size_t>(bits / 8);
  if (std::memcmp(a.bytes.data(), b.bytes.data(), whole) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[whole] & mask) == (b.bytes[whole] & mask);
}

IpAddress Masked(IpAddress address, int bits) {
  for (std::size_t i = 0; i < address.bytes.size(); ++i) {
    int keep = std::clamp(bits - static_cast<int>(i) * 8, 0, 8);
    address.bytes[i] &= static_cast<std::uint8_t>(0xff << (8 - keep));
  }
  return address;
}

// A decimal 0..max without sign, leading zeros or anything else.
std::optional<int> ParsePrefixLength(std::string_view text, int max) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text.front() == '0')) {
    return std::nullopt;
  }
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) {
    return std::nullopt;
  }
  return value;
}

enum class RangeError { kNone, kMalformed, kHostBitsSet };

// IpRange::Parse, telling why it failed; on kHostBitsSet `range` holds the masked range.
RangeError ParseRange(std::string_view text, IpRange& range) {
  std::size_t slash = text.find('/');
  std::string_view address_text = text.substr(0, slash);
  auto address = IpAddress::Parse(address_text);
  if (!address) return RangeError::kMalformed;
  bool v4_text = address_text.find(':') == std::string_view::npos;
  int bits = 128;
  if (slash != std::string_view::npos) {
    auto length = ParsePrefixLength(text.substr(slash + 1), v4_text ? 32 : 128);
    if (!length) return RangeError::kMalformed;
    bits = v4_text ? kV4MappedBits + *length : *length;
  }
  range.network = Masked(*address, bits);
  range.prefix_length = bits;
  return range.network == *address ? RangeError::kNone : RangeError::kHostBitsSet;
}

// `address` as inet_ntop writes it, as IPv4 (its last 4 bytes) or as IPv6.
std::string Format(const IpAddress& address, bool as_v4) {
  char buffer[INET6_ADDRSTRLEN] = {};
  const char* text = as_v4 ? inet_ntop(AF_INET, &address.bytes[12], buffer, sizeof buffer)
                           : inet_ntop(AF_INET6, address.bytes.data(), buffer, sizeof buffer);
  // Cannot fail: both families are supported and the buffer fits either.
  if (text == nullptr) std::abort();
  return text;
}

std::string Quote(std::string_view entry) {
  std::string out(entry.substr(0, kMaxQuotedLength));
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c < ' ' || c > '~'; }, '?');
  return "'" + out + (entry.size() > kMaxQuotedLength ? "...'" : "'");
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  bool bracketed = text.size() >= 2 && text.front() == '[' && text.back() == ']';
  if (bracketed) text = text.substr(1, text.size() - 2);
  // inet_pton reads a C string: a NUL inside `text` would end it early and pass a prefix.
  if (text.empty() || text.size() >= kMaxAddressText || HasNul(text)) return std::nullopt;
  char buffer[kMaxAddressText];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';

  IpAddress address;
  if (text.find(':') == std::string_view::npos) {
    in_addr v4{};
    if (bracketed || inet_pton(AF_INET, buffer, &v4) != 1) return std::nullopt;
    address.bytes[10] = 0xff;
    address.bytes[11] = 0xff;
    std::memcpy(&address.bytes[12], &v4, sizeof v4);
    return address;
  }
  // glibc refuses "%zone" already; refusing it here does not depend on that.
  if (text.find('%') != std::string_view::npos) return std::nullopt;
  in6_addr v6{};
  if (inet_pton(AF_INET6, buffer, &v6) != 1) return std::nullopt;
  std::memcpy(address.bytes.data(), &v6, sizeof v6);
  return address;
}

bool IpAddress::IsV4() const {
  return std::all_of(bytes.begin(), bytes.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
         bytes[10] == 0xff && bytes[11] == 0xff;
}

std::string IpAddress::ToString() const { return Format(*this, IsV4()); }

std::optional<IpRange> IpRange::Parse(std::string_view text) {
  IpRange range;
  if (ParseRange(text, range) != RangeError::kNone) return std::nullopt;
  return range;
}

bool IpRange::Contains(const IpAddress& address) const {
  if (prefix_length < 0 || prefix_length > 128) return false;  // not made by Parse
  return SamePrefix(network, address, prefix_length);
}

std::string IpRange::ToString() const {
  bool v4 = network.IsV4() && prefix_length >= kV4MappedBits;
  std::string text = Format(network, v4);
  if (prefix_length == 128) return text;
  return text + "/" + std::to_string(v4 ? prefix_length - kV4MappedBits : prefix_length);
}

bool AnyRangeContains(const std::vector<IpRange>& ranges, const IpAddress& address) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const IpRange& range) { return range.Contains(address); });
}

Result<std::vector<std::string>> NormalizeIpRanges(const std::vector<std::string>& entries,
                                                   const std::string& field) {
  if (entries.size() > kMaxIpRanges) {
    return InvalidField(field,
                        field + " has more than " + std::to_string(kMaxIpRanges) + " entries");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string where = field + "[" + std::to_string(i) + "]: " + Quote(entries[i]);
    IpRange range;
    switch (ParseRange(entries[i], range)) {
      case RangeError::kMalformed:
        return InvalidField(field, where +
                                       " is not an IP address or CIDR range (e.g. 203.0.113.7, "
                                       "10.0.0.0/8, 2001:db8::/32)");
      case RangeError::kHostBitsSet:
        return InvalidField(field, where + " has bits set beyond its prefix; did you mean " +
                                       range.ToString() + "?");
      case RangeError::kNone:
        break;
    }
    std::string canonical = range.ToString();
    if (std::find(out.begin(), out.end(), canonical) == out.end()) {
      out.push_back(std::move(canonical));
    }
  }
  return out;
}

}  // namespace latchkey::domain
