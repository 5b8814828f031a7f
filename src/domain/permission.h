#pragma once
// Permission strings (DESIGN §2): `resource:action[:target]`, the one vocabulary of group
// capabilities, key scopes and required scopes. `*` is allowed as a whole segment or as the
// trailing character of the last segment; `*` alone and `All` mean every permission.
//
// Matching. A permission denotes a set of permissions:
//   `*` (or `All`)          every permission;
//   ends in `*`             every permission that starts with the text before the `*`
//                           (`raw:*`, `raw:read:db1/*`, `raw:re*`);
//   `resource:action`       itself and every target of it (`raw:read` grants `raw:read:db1/t1`);
//   `resource:action:target` itself only.
// `Grants(g, r)` is true when the set of `r` is inside the set of `g`, so it serves both
// "does this capability allow this required permission" and "is this scope within what the
// caller holds" (no escalation). The sets are prefix sets, so two permissions either overlap by
// one containing the other or not at all, which makes the intersection exact.

#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"

namespace latchkey::domain {

inline constexpr std::size_t kMaxPermissionLength = 256;
inline constexpr std::size_t kMaxScopes = 100;

// True when `permission` is well formed.
bool IsValidPermission(std::string_view permission);

// Validates a scope list and returns it normalized ("All" -> "*", duplicates removed, order
// kept). kInvalidArgument naming `field` and the first bad entry otherwise.
Result<std::vector<std::string>> NormalizeScopes(const std::vector<std::string>& scopes,
                                                 const std::string& field);

// True when `granted` grants every permission `required` denotes. Both must be valid.
bool Grants(std::string_view granted, std::string_view required);

// True when some element of `granted` grants `required`.
bool AnyGrants(const std::vector<std::string>& granted, std::string_view required);

// The permissions that both `a` and `b` grant, as a minimal list: no entry is granted by
// another. Order: as they appear in `a`, then `b`. `Intersect({"*"}, b)` is `b` minimized.
std::vector<std::string> Intersect(const std::vector<std::string>& a,
                                   const std::vector<std::string>& b);

// The permissions granted by any of the lists, minimized (for unions of group capabilities).
std::vector<std::string> Union(const std::vector<std::vector<std::string>>& lists);

}  // namespace latchkey::domain
