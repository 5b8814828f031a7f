#pragma once
// IP addresses and the CIDR ranges of a key's IP allow-list (DESIGN §3 `allowed_ips`). Pure
// values: no I/O, no state, safe from any thread; parsing uses POSIX inet_pton/inet_ntop and
// Contains does not allocate.
//
// Addresses. IPv4 in dotted-quad form (`203.0.113.7`; leading zeros such as `010.0.0.1` are
// refused, as inet_pton refuses them, since some parsers read them as octal) or IPv6 in any
// RFC 4291 text form, hex digits in either case, optionally in brackets (`[::1]`). Zone ids
// (`fe80::1%eth0`), whitespace, embedded NULs, brackets around IPv4 and trailing dots are
// refused. Every address is held as 16 bytes, IPv4 as its IPv4-mapped IPv6 form
// (`::ffff:a.b.c.d`), so `10.1.2.3` and `::ffff:10.1.2.3` are the same address and each family
// of range applies to both spellings.
//
// Ranges. An address alone (a single host) or `address/prefix`, the prefix a decimal without
// sign or leading zeros, 0-32 after an IPv4 address and 0-128 after an IPv6 one. An IPv4 prefix
// counts within the mapped form: `10.0.0.0/8` is `::ffff:10.0.0.0/104`. Hence `0.0.0.0/0` is
// every IPv4 address and no IPv6 one, while `::/0` is every address of both families.
// Host bits set beyond the prefix (`10.1.2.3/8`) are refused, not masked: the writer of
// `203.0.113.7/24` more likely meant one host than 256, and the error names the range they
// wrote so they can choose (NormalizeIpRanges says "did you mean 10.0.0.0/8?").
// Canonical text (ToString): IPv4-mapped ranges in IPv4 form, others as inet_ntop writes IPv6
// (RFC 5952: lowercase, longest zero run compressed); a single host without `/32` or `/128`.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"

namespace latchkey::domain {

inline constexpr std::size_t kMaxIpRanges = 100;

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // network byte order; IPv4 as ::ffff:a.b.c.d

  // The address `text` spells, or std::nullopt (see the rules above).
  static std::optional<IpAddress> Parse(std::string_view text);

  // True for an IPv4 address (IPv4-mapped form).
  bool IsV4() const;
  // Dotted quad for IPv4, RFC 5952 text for IPv6 (no brackets).
  std::string ToString() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct IpRange {
  IpAddress network;      // host bits (beyond prefix_length) zero
  int prefix_length = 0;  // 0-128, over the 16-byte form: an IPv4 /8 is 104

  // The range `text` spells, or std::nullopt (see the rules above).
  static std::optional<IpRange> Parse(std::string_view text);

  bool Contains(const IpAddress& address) const;
  std::string ToString() const;  // canonical: Parse(r.ToString()) == r

  friend bool operator==(const IpRange&, const IpRange&) = default;
};

// True when some range of the list contains `address`; an empty list contains nothing.
// (An empty `allowed_ips` means "any address": that is the caller's rule, not this one's.)
bool AnyRangeContains(const std::vector<IpRange>& ranges, const IpAddress& address);

// Validates a key's IP allow-list and returns it as canonical strings, duplicates (after
// canonicalization: `10.0.0.0/8` = `::ffff:10.0.0.0/104`) removed, order kept. Ranges inside
// others are kept. kInvalidArgument naming `field` and the first bad entry, or when there are
// more than kMaxIpRanges entries.
Result<std::vector<std::string>> NormalizeIpRanges(const std::vector<std::string>& entries,
                                                   const std::string& field);

}  // namespace latchkey::domain
