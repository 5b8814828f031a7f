#include "service/key_service.h"

#include <algorithm>

#include "crypto/key_format.h"
#include "domain/ip_range.h"
#include "domain/permission.h"
#include "domain/resource_pattern.h"
#include "service/audit.h"
#include "service/validation.h"

namespace latchkey::service {
namespace {

using domain::ApiKey;
using domain::KeyStatus;
using domain::KeyType;

std::string_view NamespaceOf(const ApiKey& key) {
  return key.namespace_id ? std::string_view(*key.namespace_id) : std::string_view();
}

// A missing key and a key the caller may not see look the same.
Status KeyNotFound(const std::string& id) { return NotFound("no key " + id.substr(0, 64)); }

Result<ApiKey> LoadKey(store::Transaction& tx, const std::string& id) {
  auto found = tx.GetKey(id);
  if (!found.ok() && found.status().code() == ErrorCode::kNotFound) return KeyNotFound(id);
  return found;
}

void ApplyRestrictions(const KeyRestrictionsInput& r, ApiKey& key, domain::UnixMillis now) {
  if (r.resources) key.resources = *r.resources;
  if (r.data_access) key.data_access = *r.data_access;
  if (r.origins) key.origins = *r.origins;
  if (r.allowed_ips) key.allowed_ips = *r.allowed_ips;
  if (r.rate_limit) key.rate_limit = *r.rate_limit;
  if (r.quota) {
    // A new setting: usage of the one it replaces, still on its way from the nodes' meters, is
    // told apart by set_at and dropped (store.h RecordUsage), so set_at only ever grows.
    const domain::UnixMillis previous = key.quota ? key.quota->set_at : 0;
    key.quota = *r.quota;
    if (key.quota) key.quota->set_at = std::max(now, previous + 1);
  }
}

// Tells the usage meter what a committed change means for the key's live usage state.
void PublishUsage(UsageMeter* usage, const ApiKey& key, const KeyRestrictionsInput& r) {
  if (!usage) return;
  auto id = index::KeyIndex::IdCharsOf(key.id);
  if (!id) return;
  if (r.quota) usage->SetQuota(*id, key.quota);
  if (r.rate_limit) usage->Reset(*id);
}

}  // namespace

Status NormalizeRestrictions(KeyRestrictionsInput& r) {
  if (r.resources) {
    LK_ASSIGN_OR_RETURN(r.resources, domain::NormalizeResourcePatterns(*r.resources, "resources"));
  }
  if (r.allowed_ips) {
    LK_ASSIGN_OR_RETURN(r.allowed_ips, domain::NormalizeIpRanges(*r.allowed_ips, "allowed_ips"));
  }
  if (r.origins) {
    const domain::Origins& o = *r.origins;
    if (!o.native && !o.browser) {
      return InvalidField("origins", "a key must allow native calls, browser calls or both");
    }
    if (!o.browser && !o.referrers.empty()) {
      return InvalidField("origins.referrers",
                          "referrers restrict browser calls: set origins.browser to true");
    }
    LK_RETURN_IF_ERROR(CheckDomains("origins.referrers", o.referrers));
  }
  if (r.rate_limit && *r.rate_limit) {
    const domain::RateLimit& l = **r.rate_limit;
    if (l.limit < 1 || l.limit > 1'000'000'000) {
      return InvalidField("rate_limit.limit", "rate_limit.limit must be from 1 to 1000000000");
    }
    if (l.window_ms < 1 || l.window_ms > 86'400'000) {
      return InvalidField("rate_limit.window_ms",
                          "rate_limit.window_ms must be from 1 to 86400000 (a day)");
    }
  }
  if (r.quota && *r.quota) {
    const domain::Quota& q = **r.quota;
    if (q.remaining < 0) return InvalidField("quota.remaining", "quota.remaining must be >= 0");
    if (q.refill_interval && *q.refill_interval != "daily" && *q.refill_interval != "monthly") {
      return InvalidField("quota.refill.interval",
                          "quota.refill.interval must be \"daily\" or \"monthly\"");
    }
    if (q.refill_interval && q.refill_amount < 0) {
      return InvalidField("quota.refill.amount", "quota.refill.amount must be >= 0");
    }
  }
  return Status::Ok();
}

void KeyService::ApplyNamespaceDefaults(const domain::NamespaceSettings& settings,
                                        CreateKeyInput& input) {
  if (!input.prefix && !settings.default_key_prefix.empty()) {
    input.prefix = settings.default_key_prefix;
  }
  if (!input.restrictions.resources && !settings.default_resources.empty()) {
    input.restrictions.resources = settings.default_resources;
  }
}

CreatedKey KeyService::NewKey(const ServiceContext& ctx, const CreateKeyInput& input,
                              const std::string& owner_id, const std::string& created_by) {
  std::string prefix = input.prefix.value_or(std::string(crypto::kDefaultPrefix));
  crypto::GeneratedKey generated = crypto::GenerateKey(prefix, ctx.random);
  domain::UnixMillis now = ctx.clock.NowMillis();
  ApiKey key;
  key.id = generated.id;
  key.name = input.name;
  key.description = input.description.value_or("");
  key.type = input.type.value_or(KeyType::kStandard);
  key.owner_id = owner_id;
  key.namespace_id = input.namespace_id;
  key.scopes = input.scopes.value_or(std::vector<std::string>{"*"});
  key.expires_at = input.expires_at;
  key.meta_json = input.meta_json.value_or("{}");
  key.prefix = prefix;
  key.hint = generated.hint;
  ApplyRestrictions(input.restrictions, key, now);
  key.digest = ctx.hasher.Digest(generated.key);
  key.created_at = key.updated_at = now;
  key.created_by = created_by;
  return CreatedKey{std::move(key), std::move(generated.key)};
}

Status KeyService::Validate(const CreateKeyInput& input) const {
  LK_RETURN_IF_ERROR(CheckName("name", input.name));
  if (input.description) {
    LK_RETURN_IF_ERROR(CheckText("description", *input.description, kMaxDescriptionLength));
  }
  KeyType type = input.type.value_or(KeyType::kStandard);
  if (type == KeyType::kPersonal && input.namespace_id) {
    return InvalidField("namespace", "personal access tokens are not bound to a namespace");
  }
  if (type != KeyType::kPersonal && !input.namespace_id) {
    return InvalidField("namespace", "namespace is required for standard and management keys");
  }
  if (input.expires_at && *input.expires_at <= ctx_.clock.NowMillis()) {
    return InvalidField("expires_at", "expires_at must be in the future");
  }
  if (input.prefix && !crypto::IsValidPrefix(*input.prefix)) {
    return InvalidField("prefix", "prefix must match ^[a-z][a-z0-9_]{0,15}$");
  }
  if (input.meta_json && input.meta_json->size() > kMaxMetaBytes) {
    return InvalidField("meta", "meta is larger than 16 KiB");
  }
  return Status::Ok();
}

Status KeyService::AuthorizeOn(const Caller& caller, std::string_view permission, const ApiKey& key,
                               Effect effect) const {
  // With a personal token whose scopes allow it, an owner may always look at, edit (scopes
  // still bounded by CheckScopes), disable, revoke and delete their own keys. Re-enabling
  // needs the permission: the key may have been disabled by someone else, for a reason.
  if (effect == Effect::kOwnerMay && key.owner_id == caller.principal_id &&
      caller.key_type == KeyType::kPersonal && domain::AnyGrants(caller.key_scopes, permission)) {
    return Status::Ok();
  }
  return ctx_.policy.Authorize(caller, permission, NamespaceOf(key));
}

Status KeyService::CheckScopes(const Caller& caller, const std::vector<std::string>& scopes,
                               KeyType type, const std::string& owner_id,
                               std::string_view namespace_id) const {
  if (type == KeyType::kPersonal) {
    // A personal token reaches every namespace: it may not hold more than the one creating it.
    for (const auto& scope : scopes) {
      if (!domain::AnyGrants(caller.key_scopes, scope)) {
        return PrivilegeEscalation("cannot grant scope '" + scope +
                                   "': it is beyond the scopes of the credential you are using");
      }
    }
    return Status::Ok();
  }
  // `*` grants whatever the owner holds in the namespace; anything else grants itself.
  std::vector<std::string> grant;
  for (const auto& scope : scopes) {
    if (scope != "*") {
      grant.push_back(scope);
      continue;
    }
    auto owner = ctx_.index.FindPrincipal(owner_id);
    if (!owner || owner->superuser) {
      grant.push_back("*");
    } else if (const auto* caps = owner->capabilities->In(namespace_id)) {
      grant.insert(grant.end(), caps->begin(), caps->end());
    }
  }
  return ctx_.policy.CheckGrant(caller, grant, namespace_id, "scope");
}

Result<CreatedKey> KeyService::Create(const Caller& caller, CreateKeyInput input) {
  std::vector<CreateKeyInput> inputs;
  inputs.push_back(std::move(input));
  LK_ASSIGN_OR_RETURN(std::vector<CreatedKey> created, CreateAll(caller, std::move(inputs)));
  return std::move(created.front());
}

Result<std::vector<CreatedKey>> KeyService::CreateAll(const Caller& caller,
                                                      std::vector<CreateKeyInput> inputs) {
  for (auto& input : inputs) {
    LK_RETURN_IF_ERROR(Validate(input));
    LK_RETURN_IF_ERROR(NormalizeRestrictions(input.restrictions));
    if (input.scopes) {
      LK_ASSIGN_OR_RETURN(input.scopes, domain::NormalizeScopes(*input.scopes, "scopes"));
    }
  }
  std::vector<CreatedKey> created;
  domain::AuditEvent refused;
  Status status = ctx_.store.Write([&](store::Transaction& tx) -> Status {
    created.clear();
    for (auto& input : inputs) {
      domain::AuditEvent event = audit_.Begin(caller, "keys.create");
      Status s = CreateIn(tx, caller, input, created.emplace_back(), event);
      if (!s.ok()) {
        refused = std::move(event);
        return s;
      }
      LK_RETURN_IF_ERROR(AppendAuditEvent(tx, event));
    }
    return Status::Ok();
  });
  if (IsAuditedDenial(status)) {
    audit_.Denied(caller, "keys.create", refused.target, refused.namespace_id, status);
  }
  LK_RETURN_IF_ERROR(status);
  std::vector<ApiKey> keys;
  for (const auto& c : created) keys.push_back(c.key);
  ctx_.index.PutKeys(keys);
  return created;
}

Status KeyService::CreateIn(store::Transaction& tx, const Caller& caller, CreateKeyInput& input,
                            CreatedKey& created, domain::AuditEvent& event) {
  std::string owner_id = input.owner.value_or(caller.principal_id);
  KeyType type = input.type.value_or(KeyType::kStandard);
  std::string namespace_id = input.namespace_id.value_or("");
  event.namespace_id = namespace_id;
  if (type == KeyType::kPersonal) {
    if (caller.key_type == KeyType::kManagement) {
      return PermissionDenied("a management key cannot create personal access tokens");
    }
    if (owner_id != caller.principal_id && !caller.superuser) {
      return PermissionDenied("only its owner or a superuser can create a personal access token");
    }
  } else {
    LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "keys:create", namespace_id));
  }
  auto owner = tx.GetPrincipal(owner_id);
  if (owner.ok() && owner_id != caller.principal_id && !caller.superuser) {
    // Someone else's key: the owner must be someone the caller can see (a principal it may
    // read, or one with capabilities in the key's namespace), and never a superuser, whose
    // unbounded capabilities would outlive the caller's own.
    auto entry = ctx_.index.FindPrincipal(owner_id);
    bool visible = ctx_.policy.Authorize(caller, "principals:read", owner->namespace_id).ok() ||
                   (entry && entry->capabilities->In(namespace_id) != nullptr);
    if (!visible) owner = NotFound("");
    if (visible && owner->superuser) {
      return PermissionDenied("only a superuser can create keys owned by a superuser");
    }
  }
  if (!owner.ok()) return InvalidField("owner", "no principal " + owner_id.substr(0, 64));
  LK_RETURN_IF_ERROR(CheckScopes(caller, input.scopes.value_or(std::vector<std::string>{"*"}), type,
                                 owner_id, namespace_id));
  if (type == KeyType::kPersonal && owner->kind != domain::PrincipalKind::kUser) {
    return InvalidField("type", "personal access tokens belong to users, not service accounts");
  }
  if (input.namespace_id) {
    auto ns = tx.GetNamespace(*input.namespace_id);
    if (!ns.ok()) {
      return InvalidField("namespace", "no namespace " + input.namespace_id->substr(0, 64));
    }
    ApplyNamespaceDefaults(ns->settings, input);
  }
  created = NewKey(ctx_, input, owner_id, caller.principal_id);
  event.target = created.key.id;
  event.details_json = AuditDetail("name", created.key.name);
  return tx.InsertKey(created.key);
}

Status KeyService::CheckReadable(const Caller& caller, const ApiKey& key) const {
  if (!AuthorizeOn(caller, "keys:read", key, Effect::kOwnerMay).ok()) {
    return KeyNotFound(key.id);
  }
  return Status::Ok();
}

Result<ApiKey> KeyService::Get(const Caller& caller, const std::string& id) {
  ApiKey key;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(key, LoadKey(tx, id));
    return Status::Ok();
  }));
  LK_RETURN_IF_ERROR(CheckReadable(caller, key));
  return key;
}

Result<ApiKey> KeyService::Self(const Caller& caller) {
  ApiKey key;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(key, LoadKey(tx, caller.key_id));
    return Status::Ok();
  }));
  return key;
}

Result<store::Page<ApiKey>> KeyService::List(const Caller& caller, store::KeyFilter filter,
                                             const store::PageRequest& page) {
  if (filter.namespace_id) {
    Status allowed = ctx_.policy.Authorize(caller, "keys:read", *filter.namespace_id);
    if (!allowed.ok()) {
      audit_.Denied(caller, "keys.list", "", *filter.namespace_id, allowed);
      return allowed;
    }
  } else if (filter.owner_id == caller.principal_id && caller.key_type == KeyType::kPersonal &&
             domain::AnyGrants(caller.key_scopes, "keys:read")) {
    // Your own keys, wherever they are, with a token allowed to read keys.
  } else if (auto visible = ctx_.policy.NamespacesWith(caller, "keys:read")) {
    filter.namespace_ids = std::move(*visible);
  }
  store::Page<ApiKey> result;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(result, tx.ListKeys(filter, page));
    return Status::Ok();
  }));
  return result;
}

Result<ApiKey> KeyService::Update(const Caller& caller, const std::string& id,
                                  UpdateKeyInput input) {
  if (input.name) LK_RETURN_IF_ERROR(CheckName("name", *input.name));
  if (input.description) {
    LK_RETURN_IF_ERROR(CheckText("description", *input.description, kMaxDescriptionLength));
  }
  if (input.scopes) {
    LK_ASSIGN_OR_RETURN(input.scopes, domain::NormalizeScopes(*input.scopes, "scopes"));
  }
  if (input.meta_json && input.meta_json->size() > kMaxMetaBytes) {
    return InvalidField("meta", "meta is larger than 16 KiB");
  }
  LK_RETURN_IF_ERROR(NormalizeRestrictions(input.restrictions));
  ApiKey key;
  LK_RETURN_IF_ERROR(audit_.Write(caller, "keys.update", [&](auto& tx, auto& event) -> Status {
    event.target = id;
    LK_ASSIGN_OR_RETURN(key, LoadKey(tx, id));
    LK_RETURN_IF_ERROR(CheckReadable(caller, key));
    event.namespace_id = NamespaceOf(key);
    // `meta` is read by the services behind latchkey (a plan, a tenant) and restrictions are
    // the issuer's limits: changing either needs keys:update, not just ownership.
    const auto& r = input.restrictions;
    bool issuer_fields = input.meta_json || r.resources || r.data_access || r.origins ||
                         r.allowed_ips || r.rate_limit || r.quota;
    LK_RETURN_IF_ERROR(AuthorizeOn(caller, "keys:update", key,
                                   issuer_fields ? Effect::kNeedsPermission : Effect::kOwnerMay));
    if (input.scopes) {
      LK_RETURN_IF_ERROR(
          CheckScopes(caller, *input.scopes, key.type, key.owner_id, NamespaceOf(key)));
    }
    if (input.name) key.name = *input.name;
    if (input.description) key.description = *input.description;
    if (input.scopes) key.scopes = *input.scopes;
    if (input.meta_json) key.meta_json = *input.meta_json;
    key.updated_at = ctx_.clock.NowMillis();
    ApplyRestrictions(input.restrictions, key, key.updated_at);
    return tx.UpdateKey(key);
  }));
  ctx_.index.PutKey(key);
  PublishUsage(ctx_.usage, key, input.restrictions);
  return key;
}

Result<ApiKey> KeyService::Apply(const Caller& caller, const std::string& id, KeyAction action) {
  ApiKey key;
  bool changed = false;
  std::string_view action_name = action == KeyAction::kRevoke    ? "keys.revoke"
                                 : action == KeyAction::kDisable ? "keys.disable"
                                                                 : "keys.enable";
  LK_RETURN_IF_ERROR(audit_.Write(caller, action_name, [&](auto& tx, auto& event) -> Status {
    event.target = id;
    LK_ASSIGN_OR_RETURN(key, LoadKey(tx, id));
    LK_RETURN_IF_ERROR(CheckReadable(caller, key));
    event.namespace_id = NamespaceOf(key);
    std::string_view permission = action == KeyAction::kRevoke ? "keys:revoke" : "keys:update";
    LK_RETURN_IF_ERROR(
        AuthorizeOn(caller, permission, key,
                    action == KeyAction::kEnable ? Effect::kNeedsPermission : Effect::kOwnerMay));
    if (key.status == KeyStatus::kRevoked) {
      if (action == KeyAction::kRevoke) return Status::Ok();  // revoking twice is a no-op
      return Conflict("the key is revoked; a revoked key cannot be enabled or disabled");
    }
    domain::UnixMillis now = ctx_.clock.NowMillis();
    switch (action) {
      case KeyAction::kDisable:
        key.status = KeyStatus::kDisabled;
        break;
      case KeyAction::kEnable:
        key.status = KeyStatus::kActive;
        break;
      case KeyAction::kRevoke:
        key.status = KeyStatus::kRevoked;
        key.revoked_at = now;
        break;
    }
    key.updated_at = now;
    changed = true;
    return tx.UpdateKey(key);
  }));
  if (changed) ctx_.index.PutKey(key);
  return key;
}

Result<CreatedKey> KeyService::Roll(const Caller& caller, const std::string& id,
                                    std::int64_t grace_seconds) {
  constexpr std::int64_t kMaxGraceSeconds = 365LL * 24 * 3600;
  if (grace_seconds < 0 || grace_seconds > kMaxGraceSeconds) {
    return InvalidField("grace_seconds", "grace_seconds must be from 0 to " +
                                             std::to_string(kMaxGraceSeconds) + " (a year)");
  }
  ApiKey old_key;
  CreatedKey rolled;
  LK_RETURN_IF_ERROR(audit_.Write(caller, "keys.roll", [&](auto& tx, auto& event) -> Status {
    event.target = id;
    LK_ASSIGN_OR_RETURN(old_key, LoadKey(tx, id));
    LK_RETURN_IF_ERROR(CheckReadable(caller, old_key));
    event.namespace_id = NamespaceOf(old_key);
    LK_RETURN_IF_ERROR(AuthorizeOn(caller, "keys:update", old_key, Effect::kOwnerMay));
    if (old_key.status != KeyStatus::kActive) {
      return Conflict("only an active key can be rolled; this one is " +
                      std::string(domain::KeyStatusName(old_key.status)));
    }
    domain::UnixMillis now = ctx_.clock.NowMillis();
    // The new key: everything but the id, secret, times and usage state is the old key's.
    crypto::GeneratedKey generated = crypto::GenerateKey(old_key.prefix, ctx_.random);
    ApiKey key = old_key;
    key.id = generated.id;
    key.hint = generated.hint;
    key.digest = ctx_.hasher.Digest(generated.key);
    key.created_at = key.updated_at = now;
    key.revoked_at.reset();
    key.last_used_at.reset();
    key.last_used_ip.reset();
    rolled = CreatedKey{std::move(key), std::move(generated.key)};
    // The old key makes room for the name and expires after the grace period.
    old_key.name = old_key.name.substr(0, 80) + " (rolled to " + rolled.key.id + ")";
    domain::UnixMillis grace_end = now + grace_seconds * 1000;
    old_key.expires_at = old_key.expires_at ? std::min(*old_key.expires_at, grace_end) : grace_end;
    old_key.updated_at = now;
    event.details_json = AuditDetail("new_key", rolled.key.id);
    LK_RETURN_IF_ERROR(tx.UpdateKey(old_key));
    return tx.InsertKey(rolled.key);
  }));
  ctx_.index.PutKeys({old_key, rolled.key});
  return rolled;
}

Status KeyService::Delete(const Caller& caller, const std::string& id) {
  LK_RETURN_IF_ERROR(audit_.Write(caller, "keys.delete", [&](auto& tx, auto& event) -> Status {
    event.target = id;
    LK_ASSIGN_OR_RETURN(ApiKey key, LoadKey(tx, id));
    LK_RETURN_IF_ERROR(CheckReadable(caller, key));
    event.namespace_id = NamespaceOf(key);
    LK_RETURN_IF_ERROR(AuthorizeOn(caller, "keys:delete", key, Effect::kOwnerMay));
    return tx.DeleteKey(id);
  }));
  ctx_.index.EraseKeys({id});
  if (auto chars = index::KeyIndex::IdCharsOf(id); chars && ctx_.usage) ctx_.usage->Reset(*chars);
  return Status::Ok();
}

Result<KeyUsageReport> KeyService::Usage(const Caller& caller, const std::string& id) {
  LK_ASSIGN_OR_RETURN(ApiKey key, Get(caller, id));
  KeyUsageReport report;
  report.key_id = key.id;
  report.now = ctx_.clock.NowMillis();
  report.last_used_at = key.last_used_at;
  report.rate_limit = key.rate_limit;
  report.quota = key.quota;
  report.series.since = report.now;
  if (key.rate_limit) {
    const std::int64_t limit = std::max<std::int64_t>(0, key.rate_limit->limit);
    report.rate = RateDecision{
        .allowed = limit > 0, .limit = key.rate_limit->limit, .remaining = limit, .reset_ms = 0};
  }
  if (key.quota) report.quota_remaining = key.quota->remaining;
  const std::optional<index::KeyIdChars> chars = index::KeyIndex::IdCharsOf(key.id);
  if (!chars) return report;  // not an id the verifier can meet: nothing counted
  if (ctx_.usage) {
    UsageSnapshot live = ctx_.usage->Peek(*chars, key.rate_limit, key.quota);
    if (live.rate) report.rate = live.rate;
    if (live.quota_remaining) report.quota_remaining = live.quota_remaining;
    if (live.last_used_at && (!report.last_used_at || *live.last_used_at > *report.last_used_at)) {
      report.last_used_at = live.last_used_at;
    }
  }
  if (ctx_.history) report.series = ctx_.history->Read(*chars, report.now);
  return report;
}

}  // namespace latchkey::service
