#pragma once
// ManagementApi: the /v1 management endpoints of docs/http_api.md (namespaces, principals,
// keys, groups, audit, whoami) and the /v2 compatibility route of DESIGN §6.3. Authenticates the
// caller, decodes the request strictly, calls the services and encodes their answers. Runs on the
// management thread only (its services write the store).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/message.h"
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
};

class ManagementApi {
 public:
  explicit ManagementApi(const ManagementServices& services) : s_(services) {}

  // Any /v1 request other than verify. Unknown paths are 404, known paths with another method
  // 405 (with Allow).
  ApiResponse Handle(const ApiRequest& request);

 private:
  ApiResponse Preflight(std::string_view origin);
  ApiResponse Dispatch(const ApiRequest& request, std::optional<std::string_view> origin);

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
  ApiResponse CreateKey(Call& call);
  ApiResponse ListKeys(Call& call);
  ApiResponse GetKey(Call& call);
  ApiResponse UpdateKey(Call& call);
  ApiResponse DeleteKey(Call& call);
  ApiResponse DisableKey(Call& call);
  ApiResponse EnableKey(Call& call);
  ApiResponse RevokeKey(Call& call);
  ApiResponse RollKey(Call& call);
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
  RefusalThrottle refusals_;  // management thread only
};

}  // namespace latchkey::http
