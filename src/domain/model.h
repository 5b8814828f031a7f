#pragma once
// The domain values of DESIGN §2 and §3: namespaces, principals, API keys, groups, console
// sessions and audit events. Plain values with no I/O; every module speaks in these. Times are
// milliseconds since the Unix epoch (UTC). The *Name/Parse* helpers convert enums to and from
// their stable wire spelling; a Parse function returns std::nullopt for a spelling it does not
// know.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::domain {

using UnixMillis = std::int64_t;

enum class NamespaceKind { kOrganization, kApplication, kWorkspace, kProject, kUserGroup };
std::string_view NamespaceKindName(NamespaceKind kind);
std::optional<NamespaceKind> ParseNamespaceKind(std::string_view s);

struct NamespaceSettings {
  std::vector<std::string> app_domains;  // whitelisted application domains (issue 3 uses them)
  std::string default_key_prefix;        // empty = the server default ("lk")
  std::vector<std::string> default_resources;  // of new keys; empty = ["*"]
  bool operator==(const NamespaceSettings&) const = default;
};

struct Namespace {
  std::string id;    // "ns_" + 12 base62
  std::string name;  // unique among the namespaces with the same parent
  NamespaceKind kind = NamespaceKind::kOrganization;
  std::optional<std::string> parent_id;  // informational, not hierarchical (DESIGN §4.4)
  NamespaceSettings settings;
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
  bool operator==(const Namespace&) const = default;
};

enum class PrincipalKind { kUser, kServiceAccount };
std::string_view PrincipalKindName(PrincipalKind kind);
std::optional<PrincipalKind> ParsePrincipalKind(std::string_view s);

enum class PrincipalStatus { kActive, kDisabled };
std::string_view PrincipalStatusName(PrincipalStatus status);
std::optional<PrincipalStatus> ParsePrincipalStatus(std::string_view s);

struct Principal {
  std::string id;    // "pr_" + 12 base62
  std::string name;  // unique across all principals
  PrincipalKind kind = PrincipalKind::kUser;
  std::optional<std::string> email;
  PrincipalStatus status = PrincipalStatus::kActive;
  std::string namespace_id;  // home namespace
  bool superuser = false;    // holds `*` in every namespace (DESIGN §4.3)
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
  // Whether a console password is set (users only). Read from the store; InsertPrincipal and
  // UpdatePrincipal ignore it (store::Transaction::SetPasswordHash sets a password).
  bool has_password = false;
  bool operator==(const Principal&) const = default;
};

enum class KeyType { kStandard, kManagement, kPersonal };
std::string_view KeyTypeName(KeyType type);
std::optional<KeyType> ParseKeyType(std::string_view s);

enum class KeyStatus { kActive, kDisabled, kRevoked };
std::string_view KeyStatusName(KeyStatus status);
std::optional<KeyStatus> ParseKeyStatus(std::string_view s);

enum class DataAccess { kNone, kRead, kReadWrite };
std::string_view DataAccessName(DataAccess access);
std::optional<DataAccess> ParseDataAccess(std::string_view s);

struct Origins {
  bool native = true;
  bool browser = false;
  std::vector<std::string> referrers;
  bool operator==(const Origins&) const = default;
};

struct RateLimit {
  std::int64_t limit = 0;
  std::int64_t window_ms = 0;
  bool operator==(const RateLimit&) const = default;
};

struct Quota {
  std::int64_t remaining = 0;
  std::optional<std::string> refill_interval;  // "daily" | "monthly"
  std::int64_t refill_amount = 0;
  // The start of the current refill period: the UTC day/month boundary the last refill passed,
  // or the start of the day/month of the first use of a quota never refilled (older rows may hold
  // the time of that refill or use itself). The next refill happens at the first boundary after
  // it. Set by usage tracking, not by clients.
  std::optional<UnixMillis> refilled_at = std::nullopt;
  // When a client last set this quota (create, PATCH), and strictly greater than the setting it
  // replaced: it names the setting, so that usage recorded against an older one is told apart and
  // dropped (store::Transaction::RecordUsage, service/usage_meter.h). 0 in rows older than it.
  UnixMillis set_at = 0;
  bool operator==(const Quota&) const = default;
};

using Digest = std::array<std::uint8_t, 32>;  // HMAC-SHA-256(pepper, secret)

struct ApiKey {
  std::string id;  // "key_" + the 16 base62 id characters embedded in the secret
  std::string name;
  std::string description;
  KeyType type = KeyType::kStandard;
  std::string owner_id;
  std::optional<std::string> namespace_id;  // none for personal keys
  std::vector<std::string> scopes;
  std::vector<std::string> resources{"*"};
  DataAccess data_access = DataAccess::kNone;
  Origins origins;
  std::vector<std::string> allowed_ips;
  std::optional<UnixMillis> expires_at;  // immutable after creation (roll may shorten it)
  std::optional<RateLimit> rate_limit;
  std::optional<Quota> quota;
  std::string meta_json = "{}";  // a serialized JSON object, validated on the way in
  std::string prefix;            // e.g. "lk"
  std::string hint;              // prefix + "_…" + last 4 characters, for display
  Digest digest{};               // never the secret itself
  KeyStatus status = KeyStatus::kActive;
  UnixMillis created_at = 0;
  std::string created_by;  // principal id of the creator
  UnixMillis updated_at = 0;
  std::optional<UnixMillis> revoked_at;
  std::optional<UnixMillis> last_used_at;
  std::optional<std::string> last_used_ip;
  bool operator==(const ApiKey&) const = default;
};

// A set of principals with capabilities inside one namespace (DESIGN §2).
struct Group {
  std::string id;  // "grp_" + 12 base62
  std::string namespace_id;
  std::string name;  // unique within its namespace
  std::string description;
  std::vector<std::string> capabilities;  // permission strings, normalized (domain/permission.h)
  std::vector<std::string> members;       // principal ids, sorted, no duplicates
  UnixMillis created_at = 0;
  UnixMillis updated_at = 0;
  bool operator==(const Group&) const = default;
};

// A signed-in console session (docs/console.md): the cookie holds a secret that is stored only
// as its HMAC digest, like a key's.
struct Session {
  std::string id;            // "ses_" + 12 base62; public, names the session in the audit log
  Digest digest{};           // HMAC-SHA-256(pepper, secret)
  std::string principal_id;  // the user signed in
  UnixMillis created_at = 0;
  UnixMillis expires_at = 0;  // the session is refused from this time on
  bool operator==(const Session&) const = default;
};

enum class AuditOutcome { kSuccess, kDenied };
std::string_view AuditOutcomeName(AuditOutcome outcome);
std::optional<AuditOutcome> ParseAuditOutcome(std::string_view s);

// One management action, appended to a hash chain (DESIGN §2; service/audit.h computes the
// hashes). Never holds a secret.
struct AuditEvent {
  std::int64_t seq = 0;  // 1, 2, 3, ... without gaps
  UnixMillis time = 0;
  std::string actor_principal;  // empty when unknown
  std::string actor_key;        // public id of the credential used; empty when unknown
  std::string action;           // e.g. "keys.create", "groups.add_member"
  std::string target;           // id of the object acted on; empty when none
  std::string namespace_id;     // empty when none
  AuditOutcome outcome = AuditOutcome::kSuccess;
  std::string request_id;
  std::string source_ip;
  std::string details_json = "{}";  // a serialized JSON object (changed fields, reason)
  std::string prev_hash;            // hex SHA-256 of the previous event; 64 '0' for the first
  std::string hash;                 // hex SHA-256 over prev_hash and the fields above
  bool operator==(const AuditEvent&) const = default;
};

}  // namespace latchkey::domain
