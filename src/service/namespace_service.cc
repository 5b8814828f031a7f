#include "service/namespace_service.h"

#include "crypto/key_format.h"
#include "domain/resource_pattern.h"
#include "service/audit.h"
#include "service/validation.h"

namespace latchkey::service {
namespace {

using domain::Namespace;

Result<Namespace> LoadNamespace(store::Transaction& tx, const std::string& id) {
  auto found = tx.GetNamespace(id);
  if (!found.ok() && found.status().code() == ErrorCode::kNotFound) {
    return NotFound("no namespace " + id.substr(0, 64));
  }
  return found;
}

}  // namespace

Status CheckNamespaceSettings(const domain::NamespaceSettings& settings) {
  LK_RETURN_IF_ERROR(CheckDomains("settings.app_domains", settings.app_domains));
  if (!settings.default_key_prefix.empty() && !crypto::IsValidPrefix(settings.default_key_prefix)) {
    return InvalidField("settings.default_key_prefix",
                        "default_key_prefix must match ^[a-z][a-z0-9_]{0,15}$");
  }
  for (const auto& pattern : settings.default_resources) {
    if (!domain::IsValidResourcePattern(pattern)) {
      return InvalidField("settings.default_resources",
                          "'" + pattern.substr(0, 64) + "' is not a resource pattern");
    }
  }
  if (settings.default_resources.size() > 100) {
    return InvalidField("settings.default_resources", "at most 100 entries");
  }
  return Status::Ok();
}

Result<Namespace> NamespaceService::Create(const Caller& caller,
                                           const CreateNamespaceInput& input) {
  LK_RETURN_IF_ERROR(CheckName("name", input.name));
  if (input.settings) LK_RETURN_IF_ERROR(CheckNamespaceSettings(*input.settings));
  Namespace ns;
  ns.id = crypto::NewId("ns", ctx_.random);
  ns.name = input.name;
  ns.kind = input.kind;
  ns.parent_id = input.parent_id;
  ns.settings = input.settings.value_or(domain::NamespaceSettings{});
  ns.created_at = ns.updated_at = ctx_.clock.NowMillis();
  LK_RETURN_IF_ERROR(
      audit_.Write(caller, "namespaces.create", [&](auto& tx, auto& event) -> Status {
        event.namespace_id = input.parent_id.value_or("");
        LK_RETURN_IF_ERROR(
            ctx_.policy.Authorize(caller, "namespaces:write", input.parent_id.value_or("")));
        // A management key creates only namespaces it can manage afterwards (DESIGN §4.4):
        // the workspaces and user groups of its application.
        if (caller.key_type == domain::KeyType::kManagement) {
          auto parent = ctx_.index.FindNamespace(input.parent_id.value_or(""));
          bool reachable = parent && parent->kind == domain::NamespaceKind::kApplication &&
                           (input.kind == domain::NamespaceKind::kWorkspace ||
                            input.kind == domain::NamespaceKind::kUserGroup);
          if (!reachable) {
            return PermissionDenied(
                "a management key can only create the workspaces and user groups of its "
                "application; use a personal access token");
          }
        }
        if (ns.parent_id && !tx.GetNamespace(*ns.parent_id).ok()) {
          return InvalidField("parent_id", "no namespace " + ns.parent_id->substr(0, 64));
        }
        event.target = ns.id;
        event.details_json = AuditDetail("name", ns.name);
        return tx.InsertNamespace(ns);
      }));
  ctx_.index.PutNamespace(ns);
  return ns;
}

Result<Namespace> NamespaceService::Get(const Caller& caller, const std::string& id) {
  Namespace ns;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(ns, LoadNamespace(tx, id));
    return Status::Ok();
  }));
  if (!ctx_.policy.Authorize(caller, "namespaces:read", ns.id).ok()) {
    return NotFound("no namespace " + id.substr(0, 64));
  }
  return ns;
}

Result<store::Page<Namespace>> NamespaceService::List(const Caller& caller,
                                                      const store::NamespaceFilter& filter,
                                                      const store::PageRequest& page) {
  store::NamespaceFilter scoped = filter;
  if (auto visible = ctx_.policy.NamespacesWith(caller, "namespaces:read")) {
    // A namespace-bound key lists its own namespace only (DESIGN §4.4); an application key
    // lists its workspaces and user groups when asked for the children of its application.
    if (caller.key_type == domain::KeyType::kManagement && !filter.parent_id) {
      std::erase_if(*visible, [&](const std::string& id) { return id != caller.key_namespace; });
    }
    scoped.ids = std::move(*visible);
  }
  store::Page<Namespace> result;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(result, tx.ListNamespaces(scoped, page));
    return Status::Ok();
  }));
  return result;
}

Result<Namespace> NamespaceService::Update(const Caller& caller, const std::string& id,
                                           const UpdateNamespaceInput& input) {
  if (input.name) LK_RETURN_IF_ERROR(CheckName("name", *input.name));
  Namespace ns;
  LK_RETURN_IF_ERROR(
      audit_.Write(caller, "namespaces.update", [&](auto& tx, auto& event) -> Status {
        event.target = id;
        LK_ASSIGN_OR_RETURN(ns, LoadNamespace(tx, id));
        if (!ctx_.policy.Authorize(caller, "namespaces:read", ns.id).ok()) {
          return NotFound("no namespace " + id.substr(0, 64));
        }
        event.namespace_id = ns.id;
        LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "namespaces:write", ns.id));
        if (input.name) ns.name = *input.name;
        if (input.app_domains) ns.settings.app_domains = *input.app_domains;
        if (input.default_key_prefix) ns.settings.default_key_prefix = *input.default_key_prefix;
        if (input.default_resources) ns.settings.default_resources = *input.default_resources;
        LK_RETURN_IF_ERROR(CheckNamespaceSettings(ns.settings));
        ns.updated_at = ctx_.clock.NowMillis();
        return tx.UpdateNamespace(ns);
      }));
  ctx_.index.PutNamespace(ns);
  return ns;
}

Status NamespaceService::Delete(const Caller& caller, const std::string& id) {
  LK_RETURN_IF_ERROR(
      audit_.Write(caller, "namespaces.delete", [&](auto& tx, auto& event) -> Status {
        event.target = id;
        LK_ASSIGN_OR_RETURN(Namespace ns, LoadNamespace(tx, id));
        if (!ctx_.policy.Authorize(caller, "namespaces:read", ns.id).ok()) {
          return NotFound("no namespace " + id.substr(0, 64));
        }
        event.namespace_id = ns.id;
        LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "namespaces:write", ns.id));
        return tx.DeleteNamespace(id);
      }));
  ctx_.index.EraseNamespace(id);
  return Status::Ok();
}

}  // namespace latchkey::service
