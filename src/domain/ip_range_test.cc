#include "domain/ip_range.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace latchkey::domain {
namespace {

using Strings = std::vector<std::string>;

IpAddress Ip(std::string_view text) {
  auto address = IpAddress::Parse(text);
  EXPECT_TRUE(address) << text;
  return address.value_or(IpAddress{});
}

bool RangeContains(std::string_view range, std::string_view address) {
  auto r = IpRange::Parse(range);
  auto a = IpAddress::Parse(address);
  EXPECT_TRUE(r) << range;
  EXPECT_TRUE(a) << address;
  return r && a && r->Contains(*a);
}

std::string Canonical(std::string_view range) {
  auto r = IpRange::Parse(range);
  return r ? r->ToString() : "<invalid>";
}

TEST(IpAddress, ParsesBothFamilies) {
  IpAddress v4 = Ip("203.0.113.7");
  EXPECT_TRUE(v4.IsV4());
  EXPECT_EQ(v4.bytes[12], 203);
  EXPECT_EQ(v4.bytes[15], 7);
  EXPECT_EQ(v4.ToString(), "203.0.113.7");
  IpAddress v6 = Ip("2001:db8::1");
  EXPECT_FALSE(v6.IsV4());
  EXPECT_EQ(v6.bytes[0], 0x20);
  EXPECT_EQ(v6.bytes[15], 1);
  EXPECT_EQ(v6.ToString(), "2001:db8::1");
  EXPECT_EQ(Ip("::1").ToString(), "::1");
  EXPECT_EQ(Ip("::").ToString(), "::");
  EXPECT_EQ(Ip("0.0.0.0").ToString(), "0.0.0.0");
  EXPECT_EQ(Ip("255.255.255.255").ToString(), "255.255.255.255");
}

TEST(IpAddress, Ipv6HexIsCaseInsensitiveAndPrintedLowercaseCompressed) {
  EXPECT_EQ(Ip("2001:DB8::ABCD"), Ip("2001:db8::abcd"));
  EXPECT_EQ(Ip("2001:0DB8:0000:0000:0000:0000:0000:0001").ToString(), "2001:db8::1");
  EXPECT_EQ(Ip("2001:db8:0:0:1:0:0:1").ToString(), "2001:db8::1:0:0:1");
  EXPECT_EQ(Ip("FE80::1").ToString(), "fe80::1");
}

TEST(IpAddress, Ipv4MappedIpv6IsTheIpv4Address) {
  EXPECT_EQ(Ip("::ffff:10.1.2.3"), Ip("10.1.2.3"));
  EXPECT_EQ(Ip("::FFFF:a01:203"), Ip("10.1.2.3"));
  EXPECT_EQ(Ip("0:0:0:0:0:ffff:10.1.2.3"), Ip("10.1.2.3"));
  EXPECT_TRUE(Ip("::ffff:10.1.2.3").IsV4());
  EXPECT_EQ(Ip("::ffff:10.1.2.3").ToString(), "10.1.2.3");
  // Not mapped: the deprecated IPv4-compatible form and NAT64 are plain IPv6.
  EXPECT_FALSE(Ip("::10.1.2.3").IsV4());
  EXPECT_FALSE(Ip("64:ff9b::10.1.2.3").IsV4());
  EXPECT_NE(Ip("::10.1.2.3"), Ip("10.1.2.3"));
}

TEST(IpAddress, AcceptsBracketedIpv6Only) {
  EXPECT_EQ(Ip("[::1]"), Ip("::1"));
  EXPECT_EQ(Ip("[2001:db8::1]"), Ip("2001:db8::1"));
  EXPECT_EQ(Ip("[::ffff:10.1.2.3]"), Ip("10.1.2.3"));
  for (const char* bad : {"[10.1.2.3]", "[::1", "::1]", "[]", "[[::1]]", "[::1]:80"}) {
    EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
  }
}

TEST(IpAddress, RejectsWhatIsNotAnAddress) {
  for (const char* bad : {"",
                          " ",
                          "localhost",
                          "10.0.0",
                          "10.0.0.0.1",
                          "10.0.0.256",
                          "10.0.0.-1",
                          "010.0.0.1",
                          "10.00.0.1",
                          "10.0.0.01",
                          "0x0a.0.0.1",
                          "10.0.0.1.",
                          ".10.0.0.1",
                          "10..0.1",
                          "1e1.0.0.1",
                          " 10.0.0.1",
                          "10.0.0.1 ",
                          "10.0.0.1\n",
                          "\t::1",
                          "::1 ",
                          "10.0.0.1/32",
                          "::1/128",
                          "fe80::1%eth0",
                          "fe80::1%1",
                          "[fe80::1%eth0]",
                          ":::1",
                          "1::2::3",
                          "2001:db8::g",
                          "12345::",
                          "1:2:3:4:5:6:7:8:9",
                          "::ffff:10.1.2",
                          "::ffff:010.1.2.3",
                          "::1.",
                          "10.0.0.1:80"}) {
    EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
  }
  EXPECT_FALSE(IpAddress::Parse(std::string("10.0.0.1\0garbage", 16)));
  EXPECT_FALSE(IpAddress::Parse(std::string("::1\0", 4)));
  EXPECT_FALSE(IpAddress::Parse(std::string(100, '1')));
  EXPECT_FALSE(
      IpAddress::Parse("1111:2222:3333:4444:5555:6666:7777:8888:" + std::string(1 << 20, '9')));
}

TEST(IpRange, ParsesAddressesAndCidrs) {
  auto host = IpRange::Parse("203.0.113.7");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->prefix_length, 128);
  EXPECT_EQ(host->network, Ip("203.0.113.7"));
  auto net = IpRange::Parse("10.0.0.0/8");
  ASSERT_TRUE(net);
  EXPECT_EQ(net->prefix_length, 104);
  auto v6 = IpRange::Parse("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->prefix_length, 32);
  EXPECT_EQ(IpRange::Parse("[2001:db8::]/32"), v6);
  EXPECT_EQ(IpRange::Parse("::1"), IpRange::Parse("::1/128"));
  EXPECT_EQ(IpRange::Parse("10.0.0.0/8"), IpRange::Parse("::ffff:10.0.0.0/104"));
  EXPECT_EQ(IpRange::Parse("10.1.2.3"), IpRange::Parse("10.1.2.3/32"));
}

TEST(IpRange, RejectsBadPrefixes) {
  for (const char* bad : {"10.0.0.0/",
                          "10.0.0.0/33",
                          "10.0.0.0/-1",
                          "10.0.0.0/+8",
                          "10.0.0.0/08",
                          "10.0.0.0/8 ",
                          "10.0.0.0 /8",
                          "10.0.0.0/ 8",
                          "10.0.0.0/8/8",
                          "10.0.0.0/8.0",
                          "10.0.0.0/0x8",
                          "10.0.0.0/1000",
                          "::/129",
                          "::/",
                          "::/0128",
                          "/8",
                          "/",
                          "10.0.0.0//8",
                          "2001:db8::/32%eth0",
                          "10.0.0.0\\8",
                          "10.0.0.0/4294967304",
                          "10.0.0.0/99999999999999999999"}) {
    EXPECT_FALSE(IpRange::Parse(bad)) << bad;
  }
}

TEST(IpRange, RefusesHostBitsBeyondThePrefix) {
  for (const char* bad : {"10.1.2.3/8", "10.0.0.1/31", "203.0.113.7/24", "128.0.0.0/0",
                          "2001:db8::1/32", "::1/127", "::ffff:10.1.2.3/104", "::ffff:0:0/95"}) {
    EXPECT_FALSE(IpRange::Parse(bad)) << bad;
  }
  for (const char* ok : {"10.0.0.0/8", "10.0.0.0/31", "203.0.113.0/24", "0.0.0.0/0",
                         "2001:db8::/32", "::/127", "::ffff:10.0.0.0/104", "::ffff:0:0/96"}) {
    EXPECT_TRUE(IpRange::Parse(ok)) << ok;
  }
}

TEST(IpRange, ContainsByPrefix) {
  EXPECT_TRUE(RangeContains("10.0.0.0/8", "10.0.0.0"));
  EXPECT_TRUE(RangeContains("10.0.0.0/8", "10.255.255.255"));
  EXPECT_FALSE(RangeContains("10.0.0.0/8", "11.0.0.0"));
  EXPECT_FALSE(RangeContains("10.0.0.0/8", "9.255.255.255"));
  EXPECT_TRUE(RangeContains("192.168.1.0/25", "192.168.1.127"));
  EXPECT_FALSE(RangeContains("192.168.1.0/25", "192.168.1.128"));
  EXPECT_TRUE(RangeContains("192.168.1.128/25", "192.168.1.200"));
  EXPECT_TRUE(RangeContains("172.16.0.0/12", "172.31.255.1"));
  EXPECT_FALSE(RangeContains("172.16.0.0/12", "172.32.0.1"));
  EXPECT_TRUE(RangeContains("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_FALSE(RangeContains("2001:db8::/32", "2001:db9::1"));
  EXPECT_TRUE(RangeContains("2001:db8::/33", "2001:db8:7fff::1"));
  EXPECT_FALSE(RangeContains("2001:db8::/33", "2001:db8:8000::1"));
  EXPECT_TRUE(RangeContains("fe80::/10", "febf::1"));
  EXPECT_FALSE(RangeContains("fe80::/10", "fec0::1"));
}

TEST(IpRange, SingleHostsAtSlash32And128) {
  EXPECT_TRUE(RangeContains("203.0.113.7/32", "203.0.113.7"));
  EXPECT_FALSE(RangeContains("203.0.113.7/32", "203.0.113.6"));
  EXPECT_FALSE(RangeContains("203.0.113.7/32", "203.0.113.8"));
  EXPECT_TRUE(RangeContains("203.0.113.7", "203.0.113.7"));
  EXPECT_TRUE(RangeContains("::1/128", "::1"));
  EXPECT_FALSE(RangeContains("::1/128", "::2"));
  EXPECT_FALSE(RangeContains("::1/128", "::"));
  EXPECT_TRUE(RangeContains("::1", "[::1]"));
  EXPECT_FALSE(RangeContains("::1", "127.0.0.1"));  // loopbacks of different families
}

TEST(IpRange, SlashZero) {
  for (const char* a : {"0.0.0.0", "10.1.2.3", "255.255.255.255", "::ffff:1.2.3.4"}) {
    EXPECT_TRUE(RangeContains("0.0.0.0/0", a)) << a;
    EXPECT_TRUE(RangeContains("::/0", a)) << a;
  }
  for (const char* a : {"::", "::1", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    EXPECT_FALSE(RangeContains("0.0.0.0/0", a)) << a;  // IPv4 /0 is every IPv4 address only
    EXPECT_TRUE(RangeContains("::/0", a)) << a;
  }
}

TEST(IpRange, Ipv4MappedAndIpv4RangesMatchBothSpellings) {
  EXPECT_TRUE(RangeContains("10.0.0.0/8", "::ffff:10.1.2.3"));
  EXPECT_TRUE(RangeContains("10.0.0.0/8", "[::ffff:10.1.2.3]"));
  EXPECT_FALSE(RangeContains("10.0.0.0/8", "::ffff:11.1.2.3"));
  EXPECT_TRUE(RangeContains("::ffff:10.0.0.0/104", "10.1.2.3"));
  EXPECT_FALSE(RangeContains("::ffff:10.0.0.0/104", "11.1.2.3"));
  EXPECT_TRUE(RangeContains("::ffff:0:0/96", "192.0.2.1"));
  EXPECT_TRUE(RangeContains("::ffff:10.1.2.3", "10.1.2.3"));
  EXPECT_TRUE(RangeContains("10.1.2.3", "::ffff:10.1.2.3"));
  EXPECT_FALSE(RangeContains("::10.0.0.0/104", "10.1.2.3"));  // IPv4-compatible is not mapped
}

TEST(IpRange, CanonicalText) {
  EXPECT_EQ(Canonical("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(Canonical("203.0.113.7/32"), "203.0.113.7");
  EXPECT_EQ(Canonical("10.0.0.0/8"), "10.0.0.0/8");
  EXPECT_EQ(Canonical("0.0.0.0/0"), "0.0.0.0/0");
  EXPECT_EQ(Canonical("::ffff:10.0.0.0/104"), "10.0.0.0/8");
  EXPECT_EQ(Canonical("::ffff:0:0/96"), "0.0.0.0/0");
  EXPECT_EQ(Canonical("::ffff:10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(Canonical("::/0"), "::/0");
  EXPECT_EQ(Canonical("::1/128"), "::1");
  EXPECT_EQ(Canonical("[::1]"), "::1");
  EXPECT_EQ(Canonical("2001:0DB8::/32"), "2001:db8::/32");
  EXPECT_EQ(Canonical("[2001:DB8:0:0::]/48"), "2001:db8::/48");
  EXPECT_EQ(Canonical("::/80"), "::/80");
  EXPECT_EQ(Canonical("::ffff:0:0/80"), "<invalid>");  // host bits set
}

TEST(IpRange, CanonicalTextParsesBackToTheSameRange) {
  for (const char* text :
       {"203.0.113.7", "10.0.0.0/8", "0.0.0.0/0", "::/0", "::1", "2001:db8::/32", "::ffff:0:0/96",
        "::ffff:10.0.0.0/104", "::10.0.0.0/104", "64:ff9b::/96", "fe80::/10", "::/80",
        "128.0.0.0/1", "8000::/1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    auto range = IpRange::Parse(text);
    ASSERT_TRUE(range) << text;
    EXPECT_EQ(IpRange::Parse(range->ToString()), range) << text << " -> " << range->ToString();
    EXPECT_TRUE(range->Contains(range->network)) << text;
  }
}

TEST(IpRange, ContainsIsFalseForARangeNotMadeByParse) {
  IpRange bad{Ip("10.0.0.0"), 129};
  EXPECT_FALSE(bad.Contains(Ip("10.0.0.0")));
  bad.prefix_length = -1;
  EXPECT_FALSE(bad.Contains(Ip("10.0.0.0")));
}

TEST(IpRange, AnyRangeContains) {
  std::vector<IpRange> ranges{*IpRange::Parse("10.0.0.0/8"), *IpRange::Parse("2001:db8::/32"),
                              *IpRange::Parse("203.0.113.7")};
  EXPECT_TRUE(AnyRangeContains(ranges, Ip("10.9.8.7")));
  EXPECT_TRUE(AnyRangeContains(ranges, Ip("::ffff:10.9.8.7")));
  EXPECT_TRUE(AnyRangeContains(ranges, Ip("2001:db8::5")));
  EXPECT_TRUE(AnyRangeContains(ranges, Ip("203.0.113.7")));
  EXPECT_FALSE(AnyRangeContains(ranges, Ip("203.0.113.8")));
  EXPECT_FALSE(AnyRangeContains(ranges, Ip("::1")));
  EXPECT_FALSE(AnyRangeContains({}, Ip("10.0.0.1")));
}

TEST(IpRanges, NormalizesToCanonicalTextWithoutDuplicates) {
  auto list = NormalizeIpRanges({"10.0.0.0/8", "2001:DB8::/32", "::ffff:10.0.0.0/104", "[::1]",
                                 "203.0.113.7/32", "::1/128", "203.0.113.7", "10.1.0.0/16"},
                                "allowed_ips");
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(*list, (Strings{"10.0.0.0/8", "2001:db8::/32", "::1", "203.0.113.7", "10.1.0.0/16"}));
}

TEST(IpRanges, EmptyListStaysEmpty) {
  auto list = NormalizeIpRanges({}, "allowed_ips");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST(IpRanges, NamesTheFieldAndTheFirstBadEntry) {
  auto bad = NormalizeIpRanges({"10.0.0.0/8", "010.0.0.1", "nope"}, "allowed_ips");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "allowed_ips");
  EXPECT_NE(bad.status().message().find("allowed_ips[1]"), std::string::npos);
  EXPECT_NE(bad.status().message().find("'010.0.0.1'"), std::string::npos);
  EXPECT_EQ(bad.status().message().find("nope"), std::string::npos);
}

TEST(IpRanges, HostBitsErrorSuggestsTheNetwork) {
  auto bad = NormalizeIpRanges({"203.0.113.7/24"}, "allowed_ips");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'203.0.113.7/24'"), std::string::npos);
  EXPECT_NE(bad.status().message().find("203.0.113.0/24?"), std::string::npos)
      << bad.status().message();
  auto v6 = NormalizeIpRanges({"2001:db8::1/32"}, "allowed_ips");
  ASSERT_FALSE(v6.ok());
  EXPECT_NE(v6.status().message().find("2001:db8::/32?"), std::string::npos);
}

TEST(IpRanges, QuotesBadEntriesSafely) {
  auto bad = NormalizeIpRanges({"10.0.0.1\n\xc3\xa9" + std::string(1 << 16, '1')}, "allowed_ips");
  ASSERT_FALSE(bad.ok());
  const std::string& message = bad.status().message();
  EXPECT_LT(message.size(), 250u);
  EXPECT_TRUE(std::all_of(message.begin(), message.end(), [](char c) {
    return c >= ' ' && c <= '~';
  })) << message;
}

TEST(IpRanges, AtMostOneHundredEntries) {
  Strings list;
  for (int i = 0; i < 100; ++i) list.push_back("10.0.0." + std::to_string(i));
  EXPECT_TRUE(NormalizeIpRanges(list, "allowed_ips").ok());
  list.push_back("10.0.1.0");
  auto bad = NormalizeIpRanges(list, "allowed_ips");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "allowed_ips");
  EXPECT_FALSE(NormalizeIpRanges(Strings(101, "::1"), "allowed_ips").ok());
}

}  // namespace
}  // namespace latchkey::domain
