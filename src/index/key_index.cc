#include "index/key_index.h"

#include <algorithm>
#include <optional>

#include "crypto/key_format.h"

namespace latchkey::index {
namespace {

constexpr std::size_t kInternedScopeSets = 64;

}  // namespace

std::optional<KeyIdChars> KeyIndex::IdCharsOf(std::string_view public_id) {
  std::optional<std::string_view> chars = crypto::IdCharsFromPublicId(public_id);
  if (!chars) return std::nullopt;
  KeyIdChars id;
  std::copy_n(chars->data(), id.size(), id.begin());
  return id;
}

KeyIndex::KeyRef KeyIndex::FindKey(std::string_view id_chars) const {
  if (id_chars.size() != 16) return {};
  KeyIdChars id;
  std::copy_n(id_chars.data(), 16, id.begin());
  return keys_.Find(id);
}

KeyIndex::PrincipalRef KeyIndex::FindPrincipal(const std::string& principal_id) const {
  return principals_.Find(principal_id);
}

KeyEntry KeyIndex::MakeEntry(const domain::ApiKey& key) {
  KeyEntry entry;
  entry.digest = key.digest;
  entry.expires_at = key.expires_at.value_or(kNeverExpires);
  entry.type = key.type;
  entry.status = key.status;
  entry.owner_id = key.owner_id;
  entry.namespace_id = key.namespace_id.value_or("");
  entry.name = key.name;
  entry.meta_json = key.meta_json;
  // Most keys share a handful of scope sets ("*", a service's scopes); keep one copy of each
  // recently seen set instead of one per key.
  std::lock_guard lock(scopes_mu_);
  auto same = std::find_if(scope_sets_.begin(), scope_sets_.end(),
                           [&](const auto& set) { return *set == key.scopes; });
  if (same != scope_sets_.end()) {
    entry.scopes = *same;
  } else {
    entry.scopes = std::make_shared<const std::vector<std::string>>(key.scopes);
    if (scope_sets_.size() >= kInternedScopeSets) scope_sets_.erase(scope_sets_.begin());
    scope_sets_.push_back(entry.scopes);
  }
  return entry;
}

void KeyIndex::PutKeys(const std::vector<domain::ApiKey>& keys) {
  std::vector<KeyMap::Change> changes;
  changes.reserve(keys.size());
  for (const auto& key : keys) {
    if (auto id = IdCharsOf(key.id)) changes.emplace_back(*id, MakeEntry(key));
  }
  keys_.Apply(std::move(changes));
}

void KeyIndex::EraseKeys(const std::vector<std::string>& public_ids) {
  std::vector<KeyMap::Change> changes;
  for (const auto& public_id : public_ids) {
    if (auto id = IdCharsOf(public_id)) changes.emplace_back(*id, std::nullopt);
  }
  keys_.Apply(std::move(changes));
}

void KeyIndex::PutPrincipal(const domain::Principal& principal) {
  principals_.Apply({{principal.id, PrincipalEntry{principal.status, principal.superuser}}});
}

void KeyIndex::ErasePrincipal(const std::string& principal_id) {
  principals_.Apply({{principal_id, std::nullopt}});
}

}  // namespace latchkey::index
