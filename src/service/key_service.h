#pragma once
// KeyService: the API key lifecycle of DESIGN §3 — create, read, list, update, disable/enable,
// revoke, delete. Every call authorizes the caller, validates its input, writes one store
// transaction and, once it has committed, publishes the change to the KeyIndex before
// returning: a disabled, revoked or deleted key is refused by verification from then on.
// Thread-safety: calls are made from the single management thread.

#include <optional>
#include <string>
#include <vector>

#include "service/context.h"

namespace latchkey::service {

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
};

struct UpdateKeyInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::string> meta_json;
};

struct CreatedKey {
  domain::ApiKey key;
  std::string secret;  // shown once, never stored
};

enum class KeyAction { kDisable, kEnable, kRevoke };

class KeyService {
 public:
  explicit KeyService(const ServiceContext& ctx) : ctx_(ctx) {}

  Result<CreatedKey> Create(const Caller& caller, CreateKeyInput input);
  Result<domain::ApiKey> Get(const Caller& caller, const std::string& id);
  // The credential the caller presented: always visible to its holder.
  Result<domain::ApiKey> Self(const Caller& caller);
  Result<store::Page<domain::ApiKey>> List(const Caller& caller, store::KeyFilter filter,
                                           const store::PageRequest& page);
  Result<domain::ApiKey> Update(const Caller& caller, const std::string& id, UpdateKeyInput input);
  Result<domain::ApiKey> Apply(const Caller& caller, const std::string& id, KeyAction action);
  Status Delete(const Caller& caller, const std::string& id);

  // Builds a new key record with a fresh secret (no I/O). Used by Create and by the services
  // that create keys as part of another change (a user's default-key, the bootstrap token).
  // `input` must already be validated.
  static CreatedKey NewKey(const ServiceContext& ctx, const CreateKeyInput& input,
                           const std::string& owner_id, const std::string& created_by);

 private:
  Status Validate(const CreateKeyInput& input) const;
  Status CheckReadable(const Caller& caller, const domain::ApiKey& key) const;

  const ServiceContext& ctx_;
};

}  // namespace latchkey::service
