#include "http/json_codec.h"

#include "domain/time_format.h"

namespace latchkey::http {
namespace {

namespace json = boost::json;

json::value OptionalString(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::value OptionalTime(const std::optional<domain::UnixMillis>& t) {
  return t ? json::value(domain::FormatTime(*t)) : json::value(nullptr);
}

json::array StringArray(const std::vector<std::string>& items) {
  return json::array(items.begin(), items.end());
}

json::value MetaValue(const std::string& meta_json) {
  boost::system::error_code ec;
  json::value meta = json::parse(meta_json, ec);
  return ec ? json::value(json::object()) : meta;
}

}  // namespace

json::object ToJson(const domain::Namespace& ns) {
  return {{"id", ns.id},
          {"name", ns.name},
          {"kind", domain::NamespaceKindName(ns.kind)},
          {"parent_id", OptionalString(ns.parent_id)},
          {"settings",
           {{"app_domains", StringArray(ns.settings.app_domains)},
            {"default_key_prefix", ns.settings.default_key_prefix},
            {"default_resources", StringArray(ns.settings.default_resources)}}},
          {"created_at", domain::FormatTime(ns.created_at)},
          {"updated_at", domain::FormatTime(ns.updated_at)}};
}

json::object ToJson(const domain::Principal& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"kind", domain::PrincipalKindName(p.kind)},
          {"email", OptionalString(p.email)},
          {"status", domain::PrincipalStatusName(p.status)},
          {"namespace", p.namespace_id},
          {"superuser", p.superuser},
          {"has_password", p.has_password},
          {"created_at", domain::FormatTime(p.created_at)},
          {"updated_at", domain::FormatTime(p.updated_at)}};
}

json::object ToJson(const domain::ApiKey& k) {
  json::value rate_limit = nullptr;
  if (k.rate_limit)
    rate_limit = {{"limit", k.rate_limit->limit}, {"window_ms", k.rate_limit->window_ms}};
  json::value quota = nullptr;
  if (k.quota) {
    json::value refill = nullptr;
    if (k.quota->refill_interval) {
      refill = {{"interval", *k.quota->refill_interval}, {"amount", k.quota->refill_amount}};
    }
    quota = {{"remaining", k.quota->remaining}, {"refill", std::move(refill)}};
  }
  return {{"id", k.id},
          {"name", k.name},
          {"description", k.description},
          {"type", domain::KeyTypeName(k.type)},
          {"owner", k.owner_id},
          {"namespace", OptionalString(k.namespace_id)},
          {"scopes", StringArray(k.scopes)},
          {"resources", StringArray(k.resources)},
          {"data_access", domain::DataAccessName(k.data_access)},
          {"origins",
           {{"native", k.origins.native},
            {"browser", k.origins.browser},
            {"referrers", StringArray(k.origins.referrers)}}},
          {"allowed_ips", StringArray(k.allowed_ips)},
          {"expires_at", OptionalTime(k.expires_at)},
          {"rate_limit", std::move(rate_limit)},
          {"quota", std::move(quota)},
          {"meta", MetaValue(k.meta_json)},
          {"prefix", k.prefix},
          {"hint", k.hint},
          {"status", domain::KeyStatusName(k.status)},
          {"created_at", domain::FormatTime(k.created_at)},
          {"created_by", k.created_by},
          {"updated_at", domain::FormatTime(k.updated_at)},
          {"revoked_at", OptionalTime(k.revoked_at)},
          {"last_used_at", OptionalTime(k.last_used_at)},
          {"last_used_ip", OptionalString(k.last_used_ip)}};
}

json::object ToJson(const domain::Group& g) {
  return {{"id", g.id},
          {"namespace", g.namespace_id},
          {"name", g.name},
          {"description", g.description},
          {"capabilities", StringArray(g.capabilities)},
          {"members", StringArray(g.members)},
          {"created_at", domain::FormatTime(g.created_at)},
          {"updated_at", domain::FormatTime(g.updated_at)}};
}

json::object ToJson(const domain::AuditEvent& e) {
  return {{"seq", e.seq},
          {"time", domain::FormatTime(e.time)},
          {"actor_principal", e.actor_principal},
          {"actor_key", e.actor_key},
          {"action", e.action},
          {"target", e.target},
          {"namespace", e.namespace_id},
          {"outcome", domain::AuditOutcomeName(e.outcome)},
          {"request_id", e.request_id},
          {"source_ip", e.source_ip},
          {"details", MetaValue(e.details_json)},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

Result<ObjectReader> ObjectReader::Parse(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return ObjectReader(json::object());
  }
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) return InvalidArgument("the request body is not valid JSON: " + ec.message());
  if (!value.is_object()) return InvalidArgument("the request body must be a JSON object");
  return ObjectReader(std::move(value).as_object());
}

const json::value* ObjectReader::Find(std::string_view field) {
  seen_.emplace(field);
  const json::value* value = object_.if_contains(field);
  return value && !value->is_null() ? value : nullptr;
}

bool ObjectReader::IsNull(std::string_view field) {
  seen_.emplace(field);
  const json::value* value = object_.if_contains(field);
  return value && value->is_null();
}

void ObjectReader::Fail(std::string_view field, std::string message) {
  if (error_.ok()) error_ = InvalidField(std::string(field), std::move(message));
}

std::optional<std::string> ObjectReader::String(std::string_view field) {
  const json::value* v = Find(field);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Fail(field, std::string(field) + " must be a string");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<bool> ObjectReader::Bool(std::string_view field) {
  const json::value* v = Find(field);
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    Fail(field, std::string(field) + " must be true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::int64_t> ObjectReader::Int(std::string_view field) {
  const json::value* v = Find(field);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= INT64_MAX)
    return static_cast<std::int64_t>(v->get_uint64());
  Fail(field, std::string(field) + " must be an integer");
  return std::nullopt;
}

std::optional<std::vector<std::string>> ObjectReader::StringList(std::string_view field) {
  const json::value* v = Find(field);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  if (v->is_array()) {
    for (const auto& item : v->get_array()) {
      if (!item.is_string()) break;
      out.emplace_back(item.get_string());
    }
    if (out.size() == v->get_array().size()) return out;
  }
  Fail(field, std::string(field) + " must be an array of strings");
  return std::nullopt;
}

std::optional<std::vector<json::object>> ObjectReader::ObjectList(std::string_view field) {
  const json::value* v = Find(field);
  if (!v) return std::nullopt;
  std::vector<json::object> out;
  if (v->is_array()) {
    for (const auto& item : v->get_array()) {
      if (!item.is_object()) break;
      out.push_back(item.get_object());
    }
    if (out.size() == v->get_array().size()) return out;
  }
  Fail(field, std::string(field) + " must be an array of objects");
  return std::nullopt;
}

std::optional<domain::UnixMillis> ObjectReader::Time(std::string_view field) {
  std::optional<std::string> text = String(field);
  if (!text) return std::nullopt;
  auto t = domain::ParseTime(*text);
  if (!t)
    Fail(field, std::string(field) + " must be an RFC 3339 time such as 2030-01-31T00:00:00Z");
  return t;
}

std::optional<json::object> ObjectReader::Object(std::string_view field) {
  const json::value* v = Find(field);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    Fail(field, std::string(field) + " must be an object");
    return std::nullopt;
  }
  return v->get_object();
}

void ObjectReader::Refuse(std::string_view field, std::string_view message) {
  seen_.emplace(field);
  if (object_.contains(field)) Fail(field, std::string(message));
}

std::string ObjectReader::RequiredString(std::string_view field) {
  std::optional<std::string> s = String(field);
  if (!s && object_.if_contains(field) == nullptr) Fail(field, std::string(field) + " is required");
  if (!s && object_.if_contains(field) != nullptr && object_.at(field).is_null()) {
    Fail(field, std::string(field) + " is required");
  }
  return s.value_or("");
}

Status ObjectReader::Finish() const {
  if (!error_.ok()) return error_;
  for (const auto& [name, value] : object_) {
    if (!seen_.contains(std::string_view(name))) {
      return InvalidField(std::string(name), "unknown field " + std::string(name).substr(0, 64));
    }
  }
  return Status::Ok();
}

}  // namespace latchkey::http
