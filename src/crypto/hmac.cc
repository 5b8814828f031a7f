#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace latchkey::crypto {
namespace {

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }  // also wipes the key
};
using MacPtr = std::unique_ptr<EVP_MAC, MacDeleter>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

// Stamps every hasher with a number never reused in this process, so a thread's cached context
// cannot be mistaken for that of a later hasher allocated at the same address.
std::atomic<std::uint64_t> next_generation{1};

std::string OpenSslError() {
  char text[256];
  ERR_error_string_n(ERR_get_error(), text, sizeof(text));
  ERR_clear_error();  // leave no stale entries for the next caller on this thread
  return text;
}

[[noreturn]] void AbortOnMacFailure(const char* step) {
  std::fprintf(stderr, "latchkey: FATAL: HMAC %s failed (%s)\n", step, OpenSslError().c_str());
  std::abort();
}

// An HMAC-SHA-256 context keyed with `pepper`, ready for EVP_MAC_init(ctx, NULL, 0, NULL).
Result<MacCtxPtr> NewKeyedContext(EVP_MAC* mac, std::span<const std::uint8_t> pepper) {
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return Internal("EVP_MAC_CTX_new: " + OpenSslError());
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), pepper.data(), pepper.size(), params) != 1) {
    return Internal("EVP_MAC_init(HMAC, SHA256): " + OpenSslError());
  }
  return ctx;
}

// The keyed prototype context, and a token whose expiry tells threads that cached a copy of it
// that the copy can be freed. Contexts are copied from `prototype` rather than keyed afresh, so
// that the pepper is not kept anywhere else.
struct KeyedMac {
  MacPtr mac;
  MacCtxPtr prototype;
  std::uint64_t generation = next_generation.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<const bool> alive = std::make_shared<const bool>(true);
  std::mutex dup_mu;  // serialises copies of `prototype` (rare: once per thread and hasher)
};

// One thread's copies of the contexts of the hashers it has used. Owns them: a copy is freed
// when the thread exits, or on the next miss after its hasher is destroyed.
class ThreadContexts {
 public:
  EVP_MAC_CTX* Get(KeyedMac& keyed) {
    for (Entry& entry : entries_) {
      if (entry.generation == keyed.generation) return entry.ctx.get();
    }
    return Add(keyed);
  }

 private:
  struct Entry {
    std::uint64_t generation;
    std::weak_ptr<const bool> alive;
    MacCtxPtr ctx;
  };

  EVP_MAC_CTX* Add(KeyedMac& keyed) {
    std::erase_if(entries_, [](const Entry& entry) { return entry.alive.expired(); });
    MacCtxPtr ctx;
    {
      std::lock_guard lock(keyed.dup_mu);
      ctx.reset(EVP_MAC_CTX_dup(keyed.prototype.get()));
    }
    if (!ctx) AbortOnMacFailure("EVP_MAC_CTX_dup");
    entries_.push_back({keyed.generation, keyed.alive, std::move(ctx)});
    return entries_.back().ctx.get();
  }

  std::vector<Entry> entries_;
};

}  // namespace

struct SecretHasher::Impl {
  KeyedMac keyed;
};

Result<std::unique_ptr<SecretHasher>> SecretHasher::Create(std::span<const std::uint8_t> pepper) {
  if (pepper.size() < kMinPepperBytes) {
    return InvalidArgument("pepper must be at least " + std::to_string(kMinPepperBytes) +
                           " bytes, got " + std::to_string(pepper.size()));
  }
  auto impl = std::make_unique<Impl>();
  impl->keyed.mac.reset(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (!impl->keyed.mac) return Internal("EVP_MAC_fetch(HMAC): " + OpenSslError());
  LK_ASSIGN_OR_RETURN(impl->keyed.prototype, NewKeyedContext(impl->keyed.mac.get(), pepper));
  return std::unique_ptr<SecretHasher>(new SecretHasher(std::move(impl)));
}

SecretHasher::SecretHasher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SecretHasher::~SecretHasher() = default;

domain::Digest SecretHasher::Digest(std::string_view secret) const {
  thread_local ThreadContexts contexts;
  EVP_MAC_CTX* ctx = contexts.Get(impl_->keyed);
  domain::Digest digest;
  std::size_t written = 0;
  // A NULL key re-initialises the context with the key it already holds.
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1) AbortOnMacFailure("init");
  const auto* bytes = reinterpret_cast<const unsigned char*>(secret.data());
  if (EVP_MAC_update(ctx, bytes, secret.size()) != 1) AbortOnMacFailure("update");
  if (EVP_MAC_final(ctx, digest.data(), &written, digest.size()) != 1) AbortOnMacFailure("final");
  if (written != digest.size()) AbortOnMacFailure("final (length)");
  return digest;
}

bool ConstantTimeEqual(const domain::Digest& a, const domain::Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace latchkey::crypto
