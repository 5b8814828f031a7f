#pragma once
// Permission strings (DESIGN §2): `resource:action[:target]`, the one vocabulary of group
// capabilities, key scopes and required scopes. `*` is allowed as a whole segment or as the
// trailing character of the last segment; `*` alone and `All` mean every permission.
// This file holds the syntax; the matcher that compares them arrives with groups (issue 3).

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

}  // namespace latchkey::domain
