#include "service/caller.h"

#include <algorithm>

#include "crypto/key_format.h"
#include "domain/permission.h"

namespace latchkey::service {
namespace {

bool IsNamespacePermission(std::string_view permission) {
  return permission.starts_with("namespaces:");
}

bool IsAppChildKind(domain::NamespaceKind kind) {
  return kind == domain::NamespaceKind::kWorkspace || kind == domain::NamespaceKind::kUserGroup;
}

std::string Where(std::string_view namespace_id) {
  return namespace_id.empty() ? "" : " in namespace " + std::string(namespace_id);
}

}  // namespace

std::vector<std::string> AccessPolicy::Sources(const Caller& caller, std::string_view permission,
                                               std::string_view namespace_id) const {
  std::vector<std::string> sources;
  if (namespace_id.empty()) return sources;
  sources.emplace_back(namespace_id);
  // §4.4: an application's rights over namespaces extend to its workspaces and user groups.
  if (IsNamespacePermission(permission)) {
    auto ns = index_.FindNamespace(std::string(namespace_id));
    if (ns && IsAppChildKind(ns->kind) && !ns->parent_id.empty()) {
      auto parent = index_.FindNamespace(ns->parent_id);
      if (parent && parent->kind == domain::NamespaceKind::kApplication) {
        sources.push_back(ns->parent_id);
      }
    }
  }
  if (caller.key_type == domain::KeyType::kManagement) {
    std::erase_if(sources, [&](const std::string& s) { return s != caller.key_namespace; });
  }
  return sources;
}

std::vector<std::string> AccessPolicy::Effective(const Caller& caller,
                                                 std::string_view namespace_id) const {
  if (caller.key_type == domain::KeyType::kManagement && namespace_id != caller.key_namespace) {
    return {};
  }
  if (caller.superuser) return domain::Intersect(caller.key_scopes, {"*"});
  const auto* caps = caller.capabilities->In(namespace_id);
  if (!caps) return {};
  return domain::Intersect(caller.key_scopes, *caps);
}

Status AccessPolicy::Authorize(const Caller& caller, std::string_view permission,
                               std::string_view namespace_id) const {
  if (namespace_id.empty()) {
    if (caller.superuser && caller.key_type != domain::KeyType::kManagement &&
        domain::AnyGrants(caller.key_scopes, permission)) {
      return Status::Ok();
    }
    return PermissionDenied("missing permission " + std::string(permission) +
                            " (only a superuser's personal token may do this outside a "
                            "namespace)");
  }
  for (const std::string& source : Sources(caller, permission, namespace_id)) {
    if (domain::AnyGrants(Effective(caller, source), permission)) return Status::Ok();
  }
  if (caller.key_type == domain::KeyType::kManagement && namespace_id != caller.key_namespace) {
    return PermissionDenied("this management key is bound to namespace " + caller.key_namespace);
  }
  return PermissionDenied("missing permission " + std::string(permission) + Where(namespace_id));
}

Status AccessPolicy::CheckGrant(const Caller& caller, const std::vector<std::string>& grant,
                                std::string_view namespace_id, std::string_view what) const {
  std::vector<std::string> held = Effective(caller, namespace_id);
  for (const std::string& permission : grant) {
    if (!domain::AnyGrants(held, permission)) {
      return PrivilegeEscalation("cannot grant " + std::string(what) + " '" + permission +
                                 "': it is beyond your own permissions" + Where(namespace_id));
    }
  }
  return Status::Ok();
}

std::optional<std::vector<std::string>> AccessPolicy::NamespacesWith(
    const Caller& caller, std::string_view permission) const {
  if (caller.superuser && caller.key_type != domain::KeyType::kManagement) {
    if (domain::AnyGrants(caller.key_scopes, permission)) return std::nullopt;
  }
  std::vector<std::string> candidates;
  if (caller.key_type == domain::KeyType::kManagement) {
    candidates.push_back(caller.key_namespace);
  } else {
    for (const auto& [ns, caps] : caller.capabilities->by_namespace) candidates.push_back(ns);
  }
  // Workspaces and user groups reachable through their application (namespaces:* only).
  if (IsNamespacePermission(permission)) {
    std::vector<std::string> children;
    index_.ForEachNamespace([&](const std::string& id, const index::NamespaceEntry& ns) {
      if (IsAppChildKind(ns.kind) &&
          std::find(candidates.begin(), candidates.end(), ns.parent_id) != candidates.end()) {
        children.push_back(id);
      }
    });
    candidates.insert(candidates.end(), children.begin(), children.end());
  }
  std::vector<std::string> out;
  for (const auto& ns : candidates) {
    if (Authorize(caller, permission, ns).ok() &&
        std::find(out.begin(), out.end(), ns) == out.end()) {
      out.push_back(ns);
    }
  }
  return out;
}

bool AccessPolicy::AllowsOrigin(const Caller* caller, const domain::WebOrigin& origin) const {
  auto reaches = [&](const std::string& id) {
    if (!caller || (caller->superuser && caller->key_type != domain::KeyType::kManagement)) {
      return true;
    }
    if (caller->key_type == domain::KeyType::kManagement) return id == caller->key_namespace;
    return caller->capabilities->In(id) != nullptr;
  };
  bool allowed = false;
  index_.ForEachNamespace([&](const std::string& id, const index::NamespaceEntry& ns) {
    if (allowed || !reaches(id)) return;
    allowed = std::any_of(ns.app_domains.begin(), ns.app_domains.end(), [&](const std::string& d) {
      return domain::HostPatternMatches(d, origin);
    });
  });
  return allowed;
}

Status Authenticator::ManagementCredential(const Caller& caller) {
  if (caller.key_type == domain::KeyType::kStandard) {
    return PermissionDenied("standard keys cannot call the management API");
  }
  return Status::Ok();
}

Result<Caller> Authenticator::Authenticate(std::string_view secret,
                                           std::optional<std::string_view> basic_user) const {
  LK_ASSIGN_OR_RETURN(Caller caller, Identify(secret, basic_user));
  LK_RETURN_IF_ERROR(ManagementCredential(caller));
  return caller;
}

Result<Caller> Authenticator::Identify(std::string_view secret,
                                       std::optional<std::string_view> basic_user,
                                       std::string_view caller_address) const {
  if (secret.empty())
    return Unauthenticated("a personal access token or management key is required");
  VerifyResult result =
      verifier_.Verify({.key = secret, .claimed_id = basic_user, .caller_address = caller_address});
  if (result.code == VerifyCode::kRateLimited || result.code == VerifyCode::kUsageExceeded) {
    return Status(ErrorCode::kRateLimited,
                  result.code == VerifyCode::kRateLimited
                      ? "this credential's rate limit is reached; retry in " +
                            std::to_string(result.rate ? result.rate->reset_ms : 0) + " ms"
                      : "this credential's quota is used up");
  }
  if (!result.valid()) {
    return Unauthenticated("the credential is not valid (" +
                           std::string(VerifyCodeName(result.code)) + ")");
  }
  const index::KeyEntry& key = *result.entry;
  Caller caller{.principal_id = key.owner_id,
                .key_id = crypto::PublicKeyId(result.id_chars),
                .key_type = key.type,
                .key_namespace = key.namespace_id,
                .key_scopes = key.grant->scopes};
  if (result.owner) {
    caller.superuser = result.owner->superuser;
    caller.capabilities = result.owner->capabilities;
    // A management key someone else made for its owner is bounded by that creator too: fold
    // the bound into its scopes (it acts in one namespace, where the bound applies).
    if (!key.grant->creator.empty()) {
      caller.key_scopes = EffectiveScopes(key, result.bounds(), std::nullopt);
    }
  }
  return caller;
}

}  // namespace latchkey::service
