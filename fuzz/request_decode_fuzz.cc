// Fuzzes request decoding: the verify endpoint (JSON body + presented key), credential
// extraction (Authorization / X-API-Key / Basic), and the management API's routing, query and
// body decoders, driven with a real admin token against a real SQLite store in /dev/shm.
// Invariants: no crash, no sanitizer report, every response is a status in 200..599 with a JSON
// body (or empty for 204), and no response ever echoes the admin token.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "crypto/random.h"
#include "domain/clock.h"
#include "http/api.h"
#include "http/management_api.h"
#include "http/verify_endpoint.h"
#include "service/bootstrap.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace latchkey;

std::string MakeDir() {
  std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  std::string dir = base + "/latchkey-fuzz-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  return dir;
}

std::unique_ptr<crypto::SecretHasher> MakeHasher() {
  std::vector<std::uint8_t> pepper(32, 7);
  return std::move(crypto::SecretHasher::Create(pepper)).value();
}

// Every member is initialized in declaration order, each from the ones before it.
struct Harness {
  ~Harness() { std::filesystem::remove_all(dir); }

  std::string dir = MakeDir();
  std::unique_ptr<store::Store> store =
      std::move(store::sqlite::SqliteStore::Open(dir + "/fuzz.db")).value();
  std::unique_ptr<crypto::SecretHasher> hasher = MakeHasher();
  crypto::OsRandom random;
  domain::SystemClock clock;
  index::KeyIndex index;
  service::AccessPolicy policy{index};
  service::ServiceContext ctx{*store, index, *hasher, random, clock, policy};
  service::Verifier verifier{index, *hasher, clock};
  service::Authenticator authenticator{verifier};
  service::KeyService keys{ctx};
  service::NamespaceService namespaces{ctx};
  service::PrincipalService principals{ctx};
  service::GroupService groups{ctx};
  service::AppKeyService app_keys{ctx, keys};
  service::AuditLog audit{ctx};
  http::VerifyEndpoint verify{verifier};
  http::ManagementApi management{
      {authenticator, keys, namespaces, principals, groups, app_keys, audit, policy}};
  http::GatewayEndpoint gateway{verifier,
                                {.routes = service::GatewayRoutes::Build({}, true).value()}};
  http::Api api{verify, gateway, management, index};
  std::string token = std::move(service::Bootstrap(ctx)).value().admin_token;
};

struct Headers {
  std::string authorization;
  std::string api_key;
};

std::string_view Lookup(const void* ctx, std::string_view name) {
  const auto& h = *static_cast<const Headers*>(ctx);
  if (name == "Authorization") return h.authorization;
  if (name == "X-API-Key") return h.api_key;
  return {};
}

// Splits off the text up to the next '\n'.
std::string_view Take(std::string_view& rest) {
  std::size_t nl = rest.find('\n');
  std::string_view head = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return head;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness harness;
  if (size == 0) return 0;
  constexpr std::string_view kMethods[] = {"GET", "POST", "PATCH", "DELETE", "PUT"};
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::uint8_t mode = data[0];
  Headers headers;
  http::ApiRequest request{.method = "POST", .target = "/v1/keys/verify"};
  request.header_fn = &Lookup;
  request.header_ctx = &headers;
  switch (mode % 4) {
    case 0:  // verify: body only
      request.body = input;
      break;
    case 1:  // verify: Authorization header, then X-API-Key, then body
      headers.authorization = std::string(Take(input));
      headers.api_key = std::string(Take(input));
      request.body = input;
      break;
    default:  // management, authenticated as the admin
      headers.authorization = "Bearer " + harness.token;
      request.method = kMethods[(mode / 4) % 5];
      request.target = Take(input);
      request.body = input;
      break;
  }
  http::ApiResponse response = harness.api.Handle(request);
  if (response.status < 200 || response.status > 599) std::abort();
  // Every answer explains itself: a JSON body, or (gateway checks, which are headers only so
  // that nginx keeps its connections alive) an X-Latchkey-Code header.
  bool has_code = std::any_of(response.headers.begin(), response.headers.end(),
                              [](const auto& h) { return h.first == "X-Latchkey-Code"; });
  if (response.status != 204 && response.body.empty() && !has_code) std::abort();
  if (response.body.find(harness.token) != std::string::npos) std::abort();
  return 0;
}
