#include "store/json_columns.h"

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace latchkey::store {
namespace {

namespace json = boost::json;

// A parsed JSON text whose nodes live in an inline buffer: the small values of these columns
// decode without touching the heap, which matters when a million keys are loaded at start-up.
class Document {
 public:
  Document() = default;  // NOLINT(cppcoreguidelines-pro-type-member-init): see buffer_
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  Status Parse(std::string_view text, std::string_view what) {
    json::parse_options options;
    options.allow_invalid_utf8 = true;
    json::error_code ec;
    root_ = json::parse(json::string_view(text.data(), text.size()), ec, &resource_, options);
    if (ec) return InvalidArgument(std::string(what) + ": not valid JSON");
    return Status::Ok();
  }
  const json::value& root() const { return root_; }

 private:
  unsigned char buffer_[2048];  // NOLINT(cppcoreguidelines-pro-type-member-init): scratch
  json::monotonic_resource resource_{buffer_, sizeof buffer_};
  json::value root_ = json::value(json::storage_ptr(&resource_));  // parse results move in
};

// The encodings of the values most keys carry. Decode* recognize them without parsing, which
// matters when a million keys are loaded at start-up; json_columns_test.cc checks that they are
// exactly what Encode* produce.
constexpr std::string_view kEmptyListJson = "[]";
constexpr std::string_view kWildcardListJson = R"(["*"])";
constexpr std::string_view kDefaultOriginsJson =
    R"({"native":true,"browser":false,"referrers":[]})";

Status BadShape(std::string_view what, std::string_view expected) {
  return InvalidArgument(std::string(what) + ": expected " + std::string(expected));
}

Result<std::vector<std::string>> StringsFrom(const json::value& value, std::string_view what) {
  const json::array* array = value.if_array();
  if (array == nullptr) return BadShape(what, "an array of strings");
  std::vector<std::string> out;
  out.reserve(array->size());
  for (const json::value& item : *array) {
    const json::string* s = item.if_string();
    if (s == nullptr) return BadShape(what, "an array of strings");
    out.emplace_back(s->data(), s->size());
  }
  return out;
}

Result<const json::object*> ObjectFrom(const json::value& value, std::string_view what) {
  const json::object* object = value.if_object();
  if (object == nullptr) return BadShape(what, "an object");
  return object;
}

Result<const json::value*> Member(const json::object& object, std::string_view key,
                                  std::string_view what) {
  const json::value* member = object.if_contains(json::string_view(key.data(), key.size()));
  if (member == nullptr) return BadShape(what, "a member '" + std::string(key) + "'");
  return member;
}

Result<std::int64_t> IntMember(const json::object& object, std::string_view key,
                               std::string_view what) {
  LK_ASSIGN_OR_RETURN(const json::value* member, Member(object, key, what));
  if (const std::int64_t* i = member->if_int64()) return *i;
  return BadShape(what, "'" + std::string(key) + "' to be a 64-bit integer");
}

Result<bool> BoolMember(const json::object& object, std::string_view key, std::string_view what) {
  LK_ASSIGN_OR_RETURN(const json::value* member, Member(object, key, what));
  if (const bool* b = member->if_bool()) return *b;
  return BadShape(what, "'" + std::string(key) + "' to be a boolean");
}

Result<std::string> StringMember(const json::object& object, std::string_view key,
                                 std::string_view what) {
  LK_ASSIGN_OR_RETURN(const json::value* member, Member(object, key, what));
  if (const json::string* s = member->if_string()) return std::string(s->data(), s->size());
  return BadShape(what, "'" + std::string(key) + "' to be a string");
}

Result<std::optional<std::string>> NullableStringMember(const json::object& object,
                                                        std::string_view key,
                                                        std::string_view what) {
  LK_ASSIGN_OR_RETURN(const json::value* member, Member(object, key, what));
  if (member->is_null()) return std::optional<std::string>();
  if (const json::string* s = member->if_string()) {
    return std::optional<std::string>(std::string(s->data(), s->size()));
  }
  return BadShape(what, "'" + std::string(key) + "' to be a string or null");
}

json::array ArrayOf(const std::vector<std::string>& list) {
  json::array array;
  array.reserve(list.size());
  for (const std::string& s : list) array.emplace_back(json::string_view(s.data(), s.size()));
  return array;
}

}  // namespace

std::string EncodeStringList(const std::vector<std::string>& list) {
  return json::serialize(ArrayOf(list));
}

Result<std::vector<std::string>> DecodeStringList(std::string_view text) {
  if (text == kEmptyListJson) return std::vector<std::string>();
  if (text == kWildcardListJson) return std::vector<std::string>{"*"};
  Document doc;
  LK_RETURN_IF_ERROR(doc.Parse(text, "string list"));
  return StringsFrom(doc.root(), "string list");
}

std::string EncodeNamespaceSettings(const domain::NamespaceSettings& settings) {
  return json::serialize(json::object{
      {"app_domains", ArrayOf(settings.app_domains)},
      {"default_key_prefix", settings.default_key_prefix},
      {"default_resources", ArrayOf(settings.default_resources)},
  });
}

Result<domain::NamespaceSettings> DecodeNamespaceSettings(std::string_view text) {
  constexpr std::string_view kWhat = "namespace settings";
  Document doc;
  LK_RETURN_IF_ERROR(doc.Parse(text, kWhat));
  LK_ASSIGN_OR_RETURN(const json::object* object, ObjectFrom(doc.root(), kWhat));
  LK_ASSIGN_OR_RETURN(const json::value* domains, Member(*object, "app_domains", kWhat));
  domain::NamespaceSettings settings;
  LK_ASSIGN_OR_RETURN(settings.app_domains, StringsFrom(*domains, kWhat));
  LK_ASSIGN_OR_RETURN(settings.default_key_prefix,
                      StringMember(*object, "default_key_prefix", kWhat));
  // Added after the first release: absent in older rows.
  if (const json::value* resources = object->if_contains("default_resources")) {
    LK_ASSIGN_OR_RETURN(settings.default_resources, StringsFrom(*resources, kWhat));
  }
  return settings;
}

std::string EncodeOrigins(const domain::Origins& origins) {
  return json::serialize(json::object{
      {"native", origins.native},
      {"browser", origins.browser},
      {"referrers", ArrayOf(origins.referrers)},
  });
}

Result<domain::Origins> DecodeOrigins(std::string_view text) {
  constexpr std::string_view kWhat = "origins";
  if (text == kDefaultOriginsJson) return domain::Origins();
  Document doc;
  LK_RETURN_IF_ERROR(doc.Parse(text, kWhat));
  LK_ASSIGN_OR_RETURN(const json::object* object, ObjectFrom(doc.root(), kWhat));
  domain::Origins origins;
  LK_ASSIGN_OR_RETURN(origins.native, BoolMember(*object, "native", kWhat));
  LK_ASSIGN_OR_RETURN(origins.browser, BoolMember(*object, "browser", kWhat));
  LK_ASSIGN_OR_RETURN(const json::value* referrers, Member(*object, "referrers", kWhat));
  LK_ASSIGN_OR_RETURN(origins.referrers, StringsFrom(*referrers, kWhat));
  return origins;
}

std::string EncodeRateLimit(const domain::RateLimit& rate_limit) {
  return json::serialize(json::object{
      {"limit", rate_limit.limit},
      {"window_ms", rate_limit.window_ms},
  });
}

Result<domain::RateLimit> DecodeRateLimit(std::string_view text) {
  constexpr std::string_view kWhat = "rate limit";
  Document doc;
  LK_RETURN_IF_ERROR(doc.Parse(text, kWhat));
  LK_ASSIGN_OR_RETURN(const json::object* object, ObjectFrom(doc.root(), kWhat));
  domain::RateLimit rate_limit;
  LK_ASSIGN_OR_RETURN(rate_limit.limit, IntMember(*object, "limit", kWhat));
  LK_ASSIGN_OR_RETURN(rate_limit.window_ms, IntMember(*object, "window_ms", kWhat));
  return rate_limit;
}

std::string EncodeQuota(const domain::Quota& quota) {
  json::value interval = nullptr;
  if (quota.refill_interval) interval = json::string(*quota.refill_interval);
  return json::serialize(json::object{
      {"remaining", quota.remaining},
      {"refill_interval", std::move(interval)},
      {"refill_amount", quota.refill_amount},
      {"refilled_at", quota.refilled_at ? json::value(*quota.refilled_at) : json::value(nullptr)},
      {"set_at", quota.set_at},
  });
}

Result<domain::Quota> DecodeQuota(std::string_view text) {
  constexpr std::string_view kWhat = "quota";
  Document doc;
  LK_RETURN_IF_ERROR(doc.Parse(text, kWhat));
  LK_ASSIGN_OR_RETURN(const json::object* object, ObjectFrom(doc.root(), kWhat));
  domain::Quota quota;
  LK_ASSIGN_OR_RETURN(quota.remaining, IntMember(*object, "remaining", kWhat));
  LK_ASSIGN_OR_RETURN(quota.refill_interval,
                      NullableStringMember(*object, "refill_interval", kWhat));
  LK_ASSIGN_OR_RETURN(quota.refill_amount, IntMember(*object, "refill_amount", kWhat));
  // Added with usage tracking: absent in older rows.
  if (const json::value* at = object->if_contains("refilled_at"); at && !at->is_null()) {
    const std::int64_t* millis = at->if_int64();
    if (millis == nullptr) return BadShape(kWhat, "'refilled_at' to be a 64-bit integer or null");
    quota.refilled_at = *millis;
  }
  // Added with usage across several nodes: absent in older rows, which count as setting 0.
  if (const json::value* at = object->if_contains("set_at"); at && !at->is_null()) {
    const std::int64_t* millis = at->if_int64();
    if (millis == nullptr) return BadShape(kWhat, "'set_at' to be a 64-bit integer or null");
    quota.set_at = *millis;
  }
  return quota;
}

}  // namespace latchkey::store
