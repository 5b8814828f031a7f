#pragma once
// ManagementApi: the /v1 management endpoints of docs/http_api.md (namespaces, principals,
// keys, groups, audit, whoami, console sessions) and the /v2 compatibility route of DESIGN §6.3.
// Authenticates the caller (by key, or by console session cookie), decodes the request
// strictly, calls the services and encodes their answers. Runs on the management thread only
// (its services write the store).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/ip_range.h"
#include "http/message.h"
#include "http/session_endpoint.h"
#include "service/app_key_service.h"
#include "service/audit.h"
#include "service/caller.h"
#include "service/group_service.h"
#include "service/key_service.h"
#include "service/namespace_service.h"
#include "service/principal_service.h"

namespace latchkey::http {

struct ManagementServices {
  const service::Authenticator& authenticator;
  service::KeyService& keys;
  service::NamespaceService& namespaces;
  service::PrincipalService& principals;
  service::GroupService& groups;
  service::AppKeyService& app_keys;
  service::AuditLog& audit;
  const service::AccessPolicy& policy;
  // Console sign-in and session cookies (http/session_endpoint.h); null: none (/v1/sessions 404).
  service::SessionService* sessions = nullptr;
  // Peers whose X-Forwarded-For / X-Real-IP name the client (http/client_address.h): for audit
  // events' source_ip and sign-in throttling behind a proxy.
  std::vector<domain::IpRange> trusted_proxies = {};
};

class ManagementApi {
 public:
  explicit ManagementApi(const ManagementServices& services) : s_(services) {
    if (services.sessions) session_endpoint_.emplace(*services.sessions);
  }

  // Any /v1 request other than verify. Unknown paths are 404, known paths with another method
  // 405 (with Allow).
  ApiResponse Handle(const ApiRequest& request);

 private:
  ApiResponse Preflight(std::string_view origin);
  ApiResponse Dispatch(const ApiRequest& request, std::optional<std::string_view> origin);
  // The Caller of a request: by its key (any form of http/credentials.h), else by its console
  // session cookie.
  Result<service::Caller> Authenticate(const ApiRequest& request, bool cross_origin);

  struct Call;
  using Handler = ApiResponse (ManagementApi::*)(Call&);
  struct Route {
    std::string_view method;
    std::string_view pattern;  // segments; "{}" matches one id
    Handler handler;
  };
  static const Route kRoutes[];

  ApiResponse WhoAmI(Call& call);
  ApiResponse CreateNamespace(Call& call);
  ApiResponse ListNamespaces(Call& call);
  ApiResponse GetNamespace(Call& call);
  ApiResponse UpdateNamespace(Call& call);
  ApiResponse DeleteNamespace(Call& call);
  ApiResponse CreatePrincipal(Call& call);
  ApiResponse ListPrincipals(Call& call);
  ApiResponse GetPrincipal(Call& call);
  ApiResponse UpdatePrincipal(Call& call);
  ApiResponse DeletePrincipal(Call& call);
  ApiResponse SetPrincipalPassword(Call& call);
  ApiResponse CreateKey(Call& call);
  ApiResponse ListKeys(Call& call);
  ApiResponse GetKey(Call& call);
  ApiResponse UpdateKey(Call& call);
  ApiResponse DeleteKey(Call& call);
  ApiResponse DisableKey(Call& call);
  ApiResponse EnableKey(Call& call);
  ApiResponse RevokeKey(Call& call);
  ApiResponse RollKey(Call& call);
  ApiResponse GetKeyUsage(Call& call);
  ApiResponse ApplyKeyAction(Call& call, service::KeyAction action);
  ApiResponse CreateGroup(Call& call);
  ApiResponse ListGroups(Call& call);
  ApiResponse GetGroup(Call& call);
  ApiResponse UpdateGroup(Call& call);
  ApiResponse DeleteGroup(Call& call);
  ApiResponse AddGroupMember(Call& call);
  ApiResponse RemoveGroupMember(Call& call);
  ApiResponse ListAudit(Call& call);
  ApiResponse VerifyAudit(Call& call);
  ApiResponse CreateAppKeys(Call& call);
  ApiResponse ListAppKeys(Call& call);
  ApiResponse DeleteAppKey(Call& call);

  // At most one audited refusal per key (credential and action) and interval.
  class RefusalThrottle {
   public:
    bool ShouldRecord(const std::string& what);

   private:
    static constexpr auto kInterval = std::chrono::minutes(1);
    static constexpr std::size_t kMaxTracked = 10'000;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> last_;
  };

  ManagementServices s_;
  std::optional<SessionEndpoint> session_endpoint_;
  RefusalThrottle refusals_;  // management thread only
};

}  // namespace latchkey::http
