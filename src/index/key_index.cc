#include "index/key_index.h"

#include <algorithm>
#include <optional>

#include "crypto/key_format.h"
#include "domain/permission.h"

namespace latchkey::index {
namespace {

constexpr std::size_t kInternedGrants = 64;

const std::shared_ptr<const Capabilities>& NoCapabilities() {
  static const auto none = std::make_shared<const Capabilities>();
  return none;
}

}  // namespace

const std::vector<std::string>* Capabilities::In(std::string_view namespace_id) const {
  auto it =
      std::lower_bound(by_namespace.begin(), by_namespace.end(), namespace_id,
                       [](const auto& entry, std::string_view id) { return entry.first < id; });
  if (it == by_namespace.end() || it->first != namespace_id) return nullptr;
  return &it->second;
}

std::vector<std::string> Capabilities::Anywhere() const {
  std::vector<std::vector<std::string>> lists;
  for (const auto& [ns, caps] : by_namespace) lists.push_back(caps);
  return domain::Union(lists);
}

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
  KeyGrant grant{.scopes = key.scopes,
                 .origins = key.origins,
                 .resources = key.resources,
                 .data_access = key.data_access,
                 .rate_limit = key.rate_limit,
                 .quota = key.quota};
  if (!key.allowed_ips.empty()) {
    grant.allowed_ips.emplace();
    for (const auto& text : key.allowed_ips) {
      if (auto range = domain::IpRange::Parse(text)) grant.allowed_ips->push_back(*range);
    }
  }
  if (key.created_by != key.owner_id && !key.created_by.empty()) {
    auto creator = principals_.Find(key.created_by);
    if (!creator || !creator->superuser) grant.creator = key.created_by;
  }
  // Most keys share a handful of grants ("*", a service's scopes); keep one copy of each
  // recently seen grant instead of one per key.
  std::lock_guard lock(grants_mu_);
  auto same =
      std::find_if(grants_.begin(), grants_.end(), [&](const auto& g) { return *g == grant; });
  if (same != grants_.end()) {
    entry.grant = *same;
  } else {
    entry.grant = std::make_shared<const KeyGrant>(std::move(grant));
    if (grants_.size() >= kInternedGrants) grants_.erase(grants_.begin());
    grants_.push_back(entry.grant);
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

KeyIndex::NamespaceRef KeyIndex::FindNamespace(const std::string& namespace_id) const {
  return namespaces_.Find(namespace_id);
}

// Writers are serialized by the caller (the management thread, or start-up before serving), so
// reading the current entry and publishing its successor cannot interleave with another write.
void KeyIndex::PutPrincipal(const domain::Principal& principal) {
  PrincipalEntry entry{principal.status, principal.superuser, NoCapabilities()};
  if (auto current = principals_.Find(principal.id)) entry.capabilities = current->capabilities;
  principals_.Apply({{principal.id, std::move(entry)}});
}

void KeyIndex::SetCapabilities(const std::string& principal_id, Capabilities capabilities) {
  auto current = principals_.Find(principal_id);
  if (!current) return;
  PrincipalEntry entry = *current;
  entry.capabilities = std::make_shared<const Capabilities>(std::move(capabilities));
  principals_.Apply({{principal_id, std::move(entry)}});
}

void KeyIndex::PutNamespace(const domain::Namespace& ns) {
  namespaces_.Apply(
      {{ns.id, NamespaceEntry{ns.kind, ns.parent_id.value_or(""), ns.settings.app_domains}}});
}

void KeyIndex::EraseNamespace(const std::string& namespace_id) {
  namespaces_.Apply({{namespace_id, std::nullopt}});
}

void KeyIndex::ErasePrincipal(const std::string& principal_id) {
  principals_.Apply({{principal_id, std::nullopt}});
}

}  // namespace latchkey::index
