#pragma once
// KeyService: the API key lifecycle of DESIGN §3 — create, read, list, update, disable/enable,
// revoke, delete. Every call authorizes the caller, validates its input, writes one store
// transaction (the change and its audit event) and, once it has committed, publishes the change
// to the KeyIndex before returning: a disabled, revoked or deleted key is refused by
// verification from then on. No key is given scopes beyond its creator's (DESIGN §4.2).
// Thread-safety: calls are made from the single management thread.

#include <optional>
#include <string>
#include <vector>

#include "service/audit.h"
#include "service/context.h"

namespace latchkey::service {

// The restrictions of DESIGN §3 (docs/restrictions.md); absent fields keep their value (or,
// at creation, take their default: resources from the namespace's default_resources or ["*"],
// data access none, native calls only, any IP).
struct KeyRestrictionsInput {
  std::optional<std::vector<std::string>> resources;
  std::optional<domain::DataAccess> data_access;
  std::optional<domain::Origins> origins;
  std::optional<std::vector<std::string>> allowed_ips;
  // Usage controls: a value sets, a nested std::nullopt removes.
  std::optional<std::optional<domain::RateLimit>> rate_limit;
  std::optional<std::optional<domain::Quota>> quota;
};

// Validates and normalizes restrictions (kInvalidArgument naming the field).
Status NormalizeRestrictions(KeyRestrictionsInput& restrictions);

struct CreateKeyInput {
  std::string name;
  std::optional<std::string> description;
  std::optional<domain::KeyType> type;
  std::optional<std::string> owner;
  std::optional<std::string> namespace_id;
  std::optional<std::vector<std::string>> scopes;
  std::optional<domain::UnixMillis> expires_at;
  std::optional<std::string> meta_json;  // a serialized JSON object
  std::optional<std::string> prefix;
  KeyRestrictionsInput restrictions;
};

struct UpdateKeyInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::string> meta_json;
  KeyRestrictionsInput restrictions;
};

struct CreatedKey {
  domain::ApiKey key;
  std::string secret;  // shown once, never stored
};

enum class KeyAction { kDisable, kEnable, kRevoke };

// A key's usage as this node sees it (GET /v1/keys/{id}/usage, docs/console.md).
struct KeyUsageReport {
  std::string key_id;
  domain::UnixMillis now = 0;
  std::optional<domain::UnixMillis> last_used_at;  // the newer of the stored and this node's
  std::optional<domain::RateLimit> rate_limit;     // as the key defines them
  std::optional<domain::Quota> quota;
  // As the next verification would find them (nothing counted or spent to know): with
  // rate_limit, the calls allowed now and reset_ms; with quota, the live balance.
  std::optional<RateDecision> rate;
  std::optional<std::int64_t> quota_remaining;
  // This node's verifications of the key by outcome. Without a UsageHistory in the context
  // (tools, tests) its buckets are empty and `since` is `now`.
  KeyUsageSeries series;
};

class KeyService {
 public:
  explicit KeyService(const ServiceContext& ctx) : ctx_(ctx), audit_(ctx) {}

  Result<CreatedKey> Create(const Caller& caller, CreateKeyInput input);
  // Creates every key or none, in one transaction (the compatibility route's batches).
  Result<std::vector<CreatedKey>> CreateAll(const Caller& caller,
                                            std::vector<CreateKeyInput> inputs);
  Result<domain::ApiKey> Get(const Caller& caller, const std::string& id);
  // The credential the caller presented: always visible to its holder.
  Result<domain::ApiKey> Self(const Caller& caller);
  Result<store::Page<domain::ApiKey>> List(const Caller& caller, store::KeyFilter filter,
                                           const store::PageRequest& page);
  Result<domain::ApiKey> Update(const Caller& caller, const std::string& id, UpdateKeyInput input);
  Result<domain::ApiKey> Apply(const Caller& caller, const std::string& id, KeyAction action);
  // Roll (DESIGN §3): a new key with a new secret and the same settings (owner, namespace,
  // scopes, restrictions, meta, expiry, creator bound) takes the key's name; the old key is
  // renamed "<name> (rolled to key_…)" and expires after `grace_seconds` (0 = now) — the one
  // change to an expiry ever allowed, and only ever earlier. Needs keys:update (the owner's
  // personal token may roll its own keys). kConflict for a revoked or disabled key.
  Result<CreatedKey> Roll(const Caller& caller, const std::string& id, std::int64_t grace_seconds);
  Status Delete(const Caller& caller, const std::string& id);
  // The usage of key `id`; authorized as Get (keys:read, a key the caller may not see is
  // kNotFound). Reads the store once and the in-memory state, writes nothing.
  Result<KeyUsageReport> Usage(const Caller& caller, const std::string& id);

  // The namespace's default key prefix and resources, for what `input` leaves unset.
  static void ApplyNamespaceDefaults(const domain::NamespaceSettings& settings,
                                     CreateKeyInput& input);
  // Builds a new key record with a fresh secret (no I/O). Used by Create and by the services
  // that create keys as part of another change (a user's default-key, the bootstrap token).
  // `input` must already be validated.
  static CreatedKey NewKey(const ServiceContext& ctx, const CreateKeyInput& input,
                           const std::string& owner_id, const std::string& created_by);

 private:
  Status Validate(const CreateKeyInput& input) const;
  Status CreateIn(store::Transaction& tx, const Caller& caller, CreateKeyInput& input,
                  CreatedKey& created, domain::AuditEvent& event);
  Status CheckReadable(const Caller& caller, const domain::ApiKey& key) const;
  enum class Effect { kOwnerMay, kNeedsPermission };
  // Management permission `permission` on `key`. With kOwnerMay (read, update, disable,
  // revoke, delete) the owner's personal token may act when its scopes grant `permission`,
  // whatever the owner's capabilities.
  Status AuthorizeOn(const Caller& caller, std::string_view permission, const domain::ApiKey& key,
                     Effect effect) const;
  // No escalation (DESIGN §4.2): kPrivilegeEscalation when `scopes` on a key of `type` owned by
  // `owner_id` in `namespace_id` would grant more than the caller holds there.
  Status CheckScopes(const Caller& caller, const std::vector<std::string>& scopes,
                     domain::KeyType type, const std::string& owner_id,
                     std::string_view namespace_id) const;

  const ServiceContext& ctx_;
  AuditLog audit_;
};

}  // namespace latchkey::service
