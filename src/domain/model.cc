#include "domain/model.h"

#include <utility>

namespace latchkey::domain {
namespace {

// Looks up `s` in a table of {enum, spelling} pairs.
template <typename E, std::size_t N>
std::optional<E> ParseFrom(const std::pair<E, std::string_view> (&table)[N], std::string_view s) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view NameFrom(const std::pair<E, std::string_view> (&table)[N], E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "unknown";
}

constexpr std::pair<NamespaceKind, std::string_view> kNamespaceKinds[] = {
    {NamespaceKind::kOrganization, "organization"},
    {NamespaceKind::kApplication, "application"},
    {NamespaceKind::kWorkspace, "workspace"},
    {NamespaceKind::kProject, "project"},
    {NamespaceKind::kUserGroup, "user_group"}};
constexpr std::pair<PrincipalKind, std::string_view> kPrincipalKinds[] = {
    {PrincipalKind::kUser, "user"}, {PrincipalKind::kServiceAccount, "service_account"}};
constexpr std::pair<PrincipalStatus, std::string_view> kPrincipalStatuses[] = {
    {PrincipalStatus::kActive, "active"}, {PrincipalStatus::kDisabled, "disabled"}};
constexpr std::pair<KeyType, std::string_view> kKeyTypes[] = {{KeyType::kStandard, "standard"},
                                                              {KeyType::kManagement, "management"},
                                                              {KeyType::kPersonal, "personal"}};
constexpr std::pair<KeyStatus, std::string_view> kKeyStatuses[] = {
    {KeyStatus::kActive, "active"},
    {KeyStatus::kDisabled, "disabled"},
    {KeyStatus::kRevoked, "revoked"}};
constexpr std::pair<DataAccess, std::string_view> kDataAccesses[] = {
    {DataAccess::kNone, "none"},
    {DataAccess::kRead, "read"},
    {DataAccess::kReadWrite, "read_write"}};
constexpr std::pair<AuditOutcome, std::string_view> kAuditOutcomes[] = {
    {AuditOutcome::kSuccess, "success"}, {AuditOutcome::kDenied, "denied"}};

}  // namespace

std::string_view NamespaceKindName(NamespaceKind k) { return NameFrom(kNamespaceKinds, k); }
std::optional<NamespaceKind> ParseNamespaceKind(std::string_view s) {
  return ParseFrom(kNamespaceKinds, s);
}
std::string_view PrincipalKindName(PrincipalKind k) { return NameFrom(kPrincipalKinds, k); }
std::optional<PrincipalKind> ParsePrincipalKind(std::string_view s) {
  return ParseFrom(kPrincipalKinds, s);
}
std::string_view PrincipalStatusName(PrincipalStatus s) { return NameFrom(kPrincipalStatuses, s); }
std::optional<PrincipalStatus> ParsePrincipalStatus(std::string_view s) {
  return ParseFrom(kPrincipalStatuses, s);
}
std::string_view KeyTypeName(KeyType t) { return NameFrom(kKeyTypes, t); }
std::optional<KeyType> ParseKeyType(std::string_view s) { return ParseFrom(kKeyTypes, s); }
std::string_view KeyStatusName(KeyStatus s) { return NameFrom(kKeyStatuses, s); }
std::optional<KeyStatus> ParseKeyStatus(std::string_view s) { return ParseFrom(kKeyStatuses, s); }
std::string_view DataAccessName(DataAccess a) { return NameFrom(kDataAccesses, a); }
std::optional<DataAccess> ParseDataAccess(std::string_view s) {
  return ParseFrom(kDataAccesses, s);
}
std::string_view AuditOutcomeName(AuditOutcome o) { return NameFrom(kAuditOutcomes, o); }
std::optional<AuditOutcome> ParseAuditOutcome(std::string_view s) {
  return ParseFrom(kAuditOutcomes, s);
}

}  // namespace latchkey::domain
