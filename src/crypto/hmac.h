#pragma once
// SecretHasher computes HMAC-SHA-256(pepper, secret): the only form in which a key's secret is
// stored (DESIGN §3). The digest algorithm is fetched once at construction (EVP_MAC_fetch), and
// each thread reuses its own initialized context, so Digest() performs no allocation or
// algorithm lookup per call. Thread-safe: Digest() may be called from any number of threads.
// ConstantTimeEqual compares digests without data-dependent timing (CRYPTO_memcmp).

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "domain/model.h"
#include "domain/result.h"

namespace latchkey::crypto {

inline constexpr std::size_t kMinPepperBytes = 32;

class SecretHasher {
 public:
  // Fails (kInvalidArgument) on a pepper shorter than kMinPepperBytes, kInternal if OpenSSL
  // cannot provide HMAC/SHA-256.
  static Result<std::unique_ptr<SecretHasher>> Create(std::span<const std::uint8_t> pepper);
  ~SecretHasher();
  SecretHasher(const SecretHasher&) = delete;
  SecretHasher& operator=(const SecretHasher&) = delete;

  domain::Digest Digest(std::string_view secret) const;

 private:
  struct Impl;
  explicit SecretHasher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

bool ConstantTimeEqual(const domain::Digest& a, const domain::Digest& b);

}  // namespace latchkey::crypto
