#pragma once
// Caller: who is making a management call, as established by Authenticator from the presented
// credential. AccessPolicy decides what a caller may do (DESIGN §4):
//
//   effective(caller, N) = caller's key scopes ∩ the owner's capabilities in N
//                          (a superuser owner holds `*` in every namespace);
//   a management key reaches only its own namespace N — and, for `namespaces:*` actions of an
//   application key, the workspace and user_group namespaces whose parent is N (§4.4);
//   a personal access token reaches every namespace, bounded by its owner's capabilities there.
//
// Thread-safety: AccessPolicy is const and reads only the KeyIndex; it is called from the
// management thread, which is also the only writer of the index, so one call sees one state.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/model.h"
#include "domain/result.h"
#include "domain/web_origin.h"
#include "index/key_index.h"
#include "service/verifier.h"

namespace latchkey::service {

struct Caller {
  std::string principal_id;
  std::string key_id;  // public id of the credential used
  domain::KeyType key_type = domain::KeyType::kPersonal;
  std::string key_namespace;  // for management keys
  bool superuser = false;
  std::vector<std::string> key_scopes{"*"};
  // The owner's capabilities when the call was authenticated; never null.
  std::shared_ptr<const index::Capabilities> capabilities =
      std::make_shared<const index::Capabilities>();
  // For the audit log.
  std::string request_id;
  std::string source_ip;
  // Set when the call came with a console session cookie (service/session_service.h): key_id
  // is then the session's id, key_type personal and key_scopes {"*"}.
  std::optional<domain::Session> session;
};

class AccessPolicy {
 public:
  explicit AccessPolicy(const index::KeyIndex& index) : index_(index) {}

  // The caller's effective permissions in `namespace_id` (empty for a management key outside
  // its namespace).
  std::vector<std::string> Effective(const Caller& caller, std::string_view namespace_id) const;

  // OK when `caller` holds management permission `permission` (e.g. "keys:create") in
  // `namespace_id`; kPermissionDenied otherwise. An empty namespace_id means an action that
  // belongs to no namespace: only a superuser's unbound credential may do it.
  Status Authorize(const Caller& caller, std::string_view permission,
                   std::string_view namespace_id) const;

  // OK when every permission of `grant` is within the caller's effective permissions in
  // `namespace_id`; kPrivilegeEscalation naming the first one that is not (`what` says what
  // was being granted, e.g. "scope", "capability").
  Status CheckGrant(const Caller& caller, const std::vector<std::string>& grant,
                    std::string_view namespace_id, std::string_view what) const;

  // True when `origin` is a whitelisted application domain (NamespaceSettings::app_domains) of
  // a namespace the caller reaches: its management key's namespace, or for a personal token
  // every namespace where its owner holds capabilities (every namespace for a superuser). With
  // no caller (a CORS preflight carries no credential): of any namespace.
  bool AllowsOrigin(const Caller* caller, const domain::WebOrigin& origin) const;

  // The namespaces in which the caller holds `permission`, for filtering listings; std::nullopt
  // means every namespace (a superuser's unbound credential).
  std::optional<std::vector<std::string>> NamespacesWith(const Caller& caller,
                                                         std::string_view permission) const;

 private:
  // The namespaces whose capabilities count for `permission` in `namespace_id`.
  std::vector<std::string> Sources(const Caller& caller, std::string_view permission,
                                   std::string_view namespace_id) const;

  const index::KeyIndex& index_;
};

// Turns a presented credential into a Caller using the verification index only.
class Authenticator {
 public:
  explicit Authenticator(const Verifier& verifier) : verifier_(verifier) {}

  // `basic_user` is the user name of HTTP Basic credentials (must then be the key's public id,
  // see VerifyRequest::claimed_id). kUnauthenticated for a missing or non-VALID credential;
  // kPermissionDenied for a standard key, which never calls the management API.
  Result<Caller> Authenticate(std::string_view secret,
                              std::optional<std::string_view> basic_user) const;

  // The Caller of any VALID credential, standard keys included (so that a refusal can name
  // who was refused); kUnauthenticated otherwise. Authenticate = Identify + refusing standard
  // keys (ManagementCredential). `caller_address` is the client's address, recorded as the
  // credential's last use (empty: not known, which records none).
  Result<Caller> Identify(std::string_view secret, std::optional<std::string_view> basic_user,
                          std::string_view caller_address = {}) const;
  static Status ManagementCredential(const Caller& caller);

 private:
  const Verifier& verifier_;
};

}  // namespace latchkey::service
