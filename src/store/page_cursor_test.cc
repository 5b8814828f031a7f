#include "store/page_cursor.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace latchkey::store {
namespace {

TEST(PageCursor, RoundTrips) {
  const PageCursor cursors[] = {
      {.created_at = 0, .id = "x"},
      {.created_at = 1'700'000'000'123, .id = "key_AbC123"},
      {.created_at = -5, .id = "id:with:colons"},
      {.created_at = INT64_MAX, .id = "ünï 🔑"},
      {.created_at = INT64_MIN, .id = std::string("nul\0byte", 8)},
  };
  for (const PageCursor& cursor : cursors) {
    std::string encoded = EncodePageCursor(cursor);
    EXPECT_EQ(encoded.find_first_not_of("0123456789abcdef"), std::string::npos) << encoded;
    Result<PageCursor> decoded = DecodePageCursor(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, cursor);
  }
}

TEST(PageCursor, RejectsWhatEncodeCannotProduce) {
  const std::string bad[] = {
      "",
      "a",                                               // odd length
      "zz",                                              // not hex
      "3A31",                                            // upper case
      "3132",                                            // "12": no ':'
      "3a6964",                                          // ":id": no time
      "31323a",                                          // "12:": no id
      "2b313a6964",                                      // "+1:id"
      "31783a6964",                                      // "1x:id"
      "39393939393939393939393939393939393939393a6964",  // time overflows int64
      std::string(514, '3'),
  };
  for (const std::string& text : bad) {
    Result<PageCursor> decoded = DecodePageCursor(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(decoded.status().message(), "invalid cursor");
  }
}

TEST(SeqCursor, RoundTrips) {
  const std::int64_t seqs[] = {0, 1, 42, -7, INT64_MAX, INT64_MIN};
  for (std::int64_t seq : seqs) {
    std::string encoded = EncodeSeqCursor(seq);
    EXPECT_EQ(encoded.find_first_not_of("0123456789abcdef"), std::string::npos) << encoded;
    Result<std::int64_t> decoded = DecodeSeqCursor(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, seq);
  }
}

TEST(SeqCursor, RejectsWhatEncodeCannotProduce) {
  const std::string bad[] = {
      "",
      "3",                                         // odd length
      "zz",                                        // not hex
      "3A",                                        // upper case
      "2b31",                                      // "+1"
      "3178",                                      // "1x"
      "3a",                                        // ":"
      "2031",                                      // " 1"
      "3939393939393939393939393939393939393939",  // overflows int64
      std::string(514, '3'),
  };
  for (const std::string& text : bad) {
    Result<std::int64_t> decoded = DecodeSeqCursor(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(decoded.status().message(), "invalid cursor");
  }
}

TEST(SeqCursor, DoesNotDecodeAsAPageCursorOrTheOtherWayRound) {
  EXPECT_FALSE(DecodePageCursor(EncodeSeqCursor(12)).ok());
  EXPECT_FALSE(DecodeSeqCursor(EncodePageCursor({.created_at = 12, .id = "x"})).ok());
}

}  // namespace
}  // namespace latchkey::store
