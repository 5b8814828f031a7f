#pragma once
// KeyIndex: the in-memory verification index (DESIGN §5, §7). Verification reads only this,
// never the store. It holds, per key, what verification needs (digest, status, expiry, owner,
// namespace, name, scopes, meta); per principal, its status, superuser flag and capabilities
// per namespace (from its groups); per namespace, its kind, parent and application domains.
//
// Writers (the service layer, after a store commit) publish new versions of the affected
// entries; readers never wait for them (see SnapshotMap). A change is visible to every Find
// that starts after the writer's call returns, which is how "revoke is refused before the
// revoke's HTTP response is sent" holds.
// Thread-safety: all methods may be called concurrently; writers are serialized internally.

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ip_range.h"
#include "domain/model.h"
#include "index/snapshot_map.h"

namespace latchkey::index {

inline constexpr domain::UnixMillis kNeverExpires = std::numeric_limits<domain::UnixMillis>::max();

// The 16 id characters of a key, as a fixed-size map key.
using KeyIdChars = std::array<char, 16>;

struct KeyIdHash {
  std::size_t operator()(const KeyIdChars& id) const {
    std::uint64_t a, b;
    std::memcpy(&a, id.data(), 8);
    std::memcpy(&b, id.data() + 8, 8);
    return static_cast<std::size_t>(a ^ (b * 0x9E3779B97F4A7C15ULL));
  }
};

// What bounds a key's authority besides its owner's capabilities: its scopes, its restrictions
// and, for a key that a non-superuser made for someone else, that creator's capabilities too
// (DESIGN §1.2: "a key never has more authority than the user who created it has right now").
// Shared between keys with equal values: most keys share a handful of them.
struct KeyGrant {
  std::vector<std::string> scopes;
  std::string creator;  // principal id; empty when the key is bounded by its owner only
  // Restrictions (DESIGN §3), checked by verification in the order of §5.
  // std::nullopt: any address. A list (parsed from ApiKey::allowed_ips) allows only its ranges;
  // an entry that does not parse (a corrupt row) allows nothing, so corruption fails closed.
  std::optional<std::vector<domain::IpRange>> allowed_ips;
  domain::Origins origins;                  // native/browser calls, browser referrer hosts
  std::vector<std::string> resources{"*"};  // resource patterns (domain/resource_pattern.h)
  domain::DataAccess data_access = domain::DataAccess::kNone;
  // Usage controls: the configuration; the live state is the UsageMeter's.
  std::optional<domain::RateLimit> rate_limit;
  std::optional<domain::Quota> quota;
  bool operator==(const KeyGrant&) const = default;
};

struct KeyEntry {
  domain::Digest digest{};
  domain::UnixMillis expires_at = kNeverExpires;
  domain::KeyType type = domain::KeyType::kStandard;
  domain::KeyStatus status = domain::KeyStatus::kActive;
  std::string owner_id;
  std::string namespace_id;  // empty for personal keys
  std::string name;
  std::shared_ptr<const KeyGrant> grant;  // never null
  std::string meta_json;
};

// A principal's capabilities: per namespace, the union of the capabilities of the groups it is
// a member of there (minimized, domain/permission.h). Sorted by namespace id.
struct Capabilities {
  std::vector<std::pair<std::string, std::vector<std::string>>> by_namespace;

  // The capabilities in `namespace_id`, or nullptr when it has none there.
  const std::vector<std::string>* In(std::string_view namespace_id) const;
  // The union over every namespace (what a personal token may reach anywhere).
  std::vector<std::string> Anywhere() const;
  bool operator==(const Capabilities&) const = default;
};

struct PrincipalEntry {
  domain::PrincipalStatus status = domain::PrincipalStatus::kActive;
  bool superuser = false;
  std::shared_ptr<const Capabilities> capabilities;  // never null
};

struct NamespaceEntry {
  domain::NamespaceKind kind = domain::NamespaceKind::kOrganization;
  std::string parent_id;  // empty when none
  std::vector<std::string> app_domains;
};

class KeyIndex {
 public:
  using KeyMap = SnapshotMap<KeyIdChars, KeyEntry, KeyIdHash, 2048>;
  using PrincipalMap = SnapshotMap<std::string, PrincipalEntry, std::hash<std::string>, 64>;
  using KeyRef = KeyMap::Ref;
  using PrincipalRef = PrincipalMap::Ref;
  using NamespaceMap = SnapshotMap<std::string, NamespaceEntry, std::hash<std::string>, 16>;
  using NamespaceRef = NamespaceMap::Ref;

  // The entry for `id_chars` (16 characters), or an empty Ref.
  KeyRef FindKey(std::string_view id_chars) const;
  PrincipalRef FindPrincipal(const std::string& principal_id) const;
  NamespaceRef FindNamespace(const std::string& namespace_id) const;

  // Inserts or replaces keys; ignores keys whose id is not "key_" + 16 characters.
  void PutKeys(const std::vector<domain::ApiKey>& keys);
  void PutKey(const domain::ApiKey& key) { PutKeys({key}); }
  // Publishes prepared changes at once (bulk loading: one copy of each shard in all).
  void PutEntries(std::vector<KeyMap::Change> changes) { keys_.Apply(std::move(changes)); }
  void EraseKeys(const std::vector<std::string>& public_ids);
  // Status and superuser flag from `principal`; the capabilities stay as they were (none for
  // a new principal).
  void PutPrincipal(const domain::Principal& principal);
  // Replaces a principal's capabilities (after a group or membership change); ignored for an
  // unknown principal.
  void SetCapabilities(const std::string& principal_id, Capabilities capabilities);
  void ErasePrincipal(const std::string& principal_id);
  void PutNamespace(const domain::Namespace& ns);
  void EraseNamespace(const std::string& namespace_id);
  // Every namespace (for the rare whole-set questions: CORS origins, visible namespaces).
  void ForEachNamespace(
      const std::function<void(const std::string&, const NamespaceEntry&)>& fn) const {
    namespaces_.ForEach(fn);
  }

  // Every key's and principal's id (for reloading the whole index after missed changes).
  void ForEachKeyId(const std::function<void(const KeyIdChars&)>& fn) const {
    keys_.ForEach([&](const KeyIdChars& id, const KeyEntry&) { fn(id); });
  }
  void ForEachPrincipalId(const std::function<void(const std::string&)>& fn) const {
    principals_.ForEach([&](const std::string& id, const PrincipalEntry&) { fn(id); });
  }

  std::size_t key_count() const { return keys_.size(); }

  // Builds the index entry of a key (grants are interned in a small cache). A key whose
  // creator is not its owner is bounded by the creator too, unless the creator is a
  // superuser in this index (so principals must be loaded before keys).
  KeyEntry MakeEntry(const domain::ApiKey& key);
  // The map key of a public id ("key_" + 16 characters), or std::nullopt.
  static std::optional<KeyIdChars> IdCharsOf(std::string_view public_id);

 private:
  KeyMap keys_;
  PrincipalMap principals_;
  NamespaceMap namespaces_;
  std::mutex grants_mu_;
  std::vector<std::shared_ptr<const KeyGrant>> grants_;  // recent, interned
};

}  // namespace latchkey::index
