// Fuzzes the key parser (crypto/key_format.h) with arbitrary bytes. Invariants checked:
//  - ParseKey and IdCharsFromPublicId never crash, and whatever they accept is well-formed and
//    re-parses to the same parts;
//  - a key generated from any "random" bytes (the input, replayed by a deterministic
//    RandomSource) with any valid prefix parses, and no single-character change of it does.
// Seed corpus: fuzz/corpus/key_parser/.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/fake_random.h"
#include "crypto/key_format.h"

namespace {

using latchkey::crypto::GeneratedKey;
using latchkey::crypto::ParsedKey;

// Hands out the fuzzer's bytes as "randomness" (so it can steer rejection sampling), then, once
// they run out, a seeded stream, so that generation always terminates.
class ReplayRandom final : public latchkey::crypto::RandomSource {
 public:
  explicit ReplayRandom(std::span<const std::uint8_t> bytes)
      : bytes_(bytes), fallback_(bytes.size()) {}
  void Fill(std::span<std::uint8_t> out) override {
    const std::size_t n = std::min(out.size(), bytes_.size());
    std::copy_n(bytes_.begin(), n, out.begin());
    bytes_ = bytes_.subspan(n);
    fallback_.Fill(out.subspan(n));
  }

 private:
  std::span<const std::uint8_t> bytes_;
  latchkey::crypto::SeededRandom fallback_;
};

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "key_parser_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

bool IsBase62(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!ok) return false;
  }
  return true;
}

void CheckParse(std::string_view input) {
  const std::optional<ParsedKey> parsed = latchkey::crypto::ParseKey(input);
  if (!parsed) return;
  Check(latchkey::crypto::IsValidPrefix(parsed->prefix), "accepted key has a valid prefix");
  Check(parsed->id_chars.size() == latchkey::crypto::kKeyIdChars, "id has 16 chars");
  Check(IsBase62(parsed->id_chars), "id is base62");
  Check(input.size() == parsed->prefix.size() + 1 + latchkey::crypto::kKeyBodyChars, "length");
  const std::string copy(input);
  const std::optional<ParsedKey> again = latchkey::crypto::ParseKey(copy);
  Check(again && again->prefix == parsed->prefix && again->id_chars == parsed->id_chars,
        "re-parse gives the same parts");
  const std::string public_id = latchkey::crypto::PublicKeyId(parsed->id_chars);
  const auto id_chars = latchkey::crypto::IdCharsFromPublicId(public_id);
  Check(id_chars && *id_chars == parsed->id_chars, "public id round trip");
  Check(latchkey::crypto::KeyHint(input).starts_with(std::string(parsed->prefix) + "_"), "hint");
}

void CheckPublicId(std::string_view input) {
  const std::optional<std::string_view> id_chars = latchkey::crypto::IdCharsFromPublicId(input);
  if (!id_chars) return;
  Check(latchkey::crypto::PublicKeyId(*id_chars) == input, "public id re-encodes");
  Check(IsBase62(*id_chars), "public id chars are base62");
}

// Generates a key from the input's bytes (first byte: prefix length, then the prefix candidate,
// then the "random" bytes), and checks that it parses and that a typo does not.
void CheckGenerated(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return;
  const std::size_t prefix_len = std::min<std::size_t>(1 + data[0] % 16, size - 1);
  std::string_view prefix(reinterpret_cast<const char*>(data + 1), prefix_len);
  if (!latchkey::crypto::IsValidPrefix(prefix)) prefix = "lk";
  ReplayRandom random(std::span(data + 1 + prefix_len, size - 1 - prefix_len));
  const GeneratedKey generated = latchkey::crypto::GenerateKey(prefix, random);
  const std::optional<ParsedKey> parsed = latchkey::crypto::ParseKey(generated.key);
  Check(parsed && parsed->prefix == prefix, "generated key parses");
  Check(latchkey::crypto::PublicKeyId(parsed->id_chars) == generated.id, "generated id");

  std::string typo = generated.key;
  const std::size_t pos = (data[0] * 257u + data[size - 1]) % typo.size();
  const char replacement = static_cast<char>(data[size - 1]);
  if (replacement == typo[pos]) return;
  typo[pos] = replacement;
  Check(!latchkey::crypto::ParseKey(typo), "single-character change is rejected");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckParse(input);
  CheckPublicId(input);
  CheckGenerated(data, size);
  return 0;
}
