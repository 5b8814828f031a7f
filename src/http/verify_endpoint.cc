#include "http/verify_endpoint.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "crypto/key_format.h"
#include "domain/ip_range.h"
#include "domain/permission.h"
#include "domain/resource_pattern.h"
#include "domain/time_format.h"
#include "http/credentials.h"
#include "http/errors.h"
#include "http/json_text.h"

namespace latchkey::http {
namespace {

namespace json = boost::json;

struct VerifyBody {
  std::optional<std::string_view> key;
  std::optional<std::string_view> namespace_id;
  std::vector<std::string_view> scopes;
  std::optional<std::string_view> ip;
  std::optional<std::string_view> origin;
  std::optional<std::string_view> referrer;
  std::optional<std::string_view> resource;
  std::optional<service::DataRequest> data;
  std::int64_t cost = 1;
};

constexpr std::int64_t kMaxCost = 1'000'000'000;

Status ReadScopes(const json::value& v, std::vector<std::string_view>& out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_array()) return InvalidField("scopes", "scopes must be an array of strings");
  if (v.get_array().size() > domain::kMaxScopes) {
    return InvalidField("scopes",
                        "scopes has more than " + std::to_string(domain::kMaxScopes) + " entries");
  }
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) return InvalidField("scopes", "scopes must be an array of strings");
    std::string_view scope = item.get_string();
    if (!domain::IsValidPermission(scope)) {
      return InvalidField("scopes", "'" + std::string(scope.substr(0, 64)) +
                                        "' is not a permission string (resource:action[:target])");
    }
    out.push_back(scope);
  }
  return Status::Ok();
}

// Checks one field of the request; the ones this version does not act on are type-checked.
Status ReadField(std::string_view name, const json::value& v, VerifyBody& out) {
  auto string_field = [&](std::optional<std::string_view>* into) -> Status {
    if (v.is_null()) return Status::Ok();
    if (!v.is_string())
      return InvalidField(std::string(name), std::string(name) + " must be a string");
    if (into) *into = std::string_view(v.get_string());
    return Status::Ok();
  };
  if (name == "key") return string_field(&out.key);
  if (name == "namespace") return string_field(&out.namespace_id);
  if (name == "origin") return string_field(&out.origin);
  if (name == "referrer") return string_field(&out.referrer);
  if (name == "ip") {
    LK_RETURN_IF_ERROR(string_field(&out.ip));
    if (out.ip && !domain::IpAddress::Parse(*out.ip)) {
      return InvalidField("ip", "ip must be an IPv4 or IPv6 address");
    }
    return Status::Ok();
  }
  if (name == "resource") {
    LK_RETURN_IF_ERROR(string_field(&out.resource));
    if (out.resource && !domain::IsValidResource(*out.resource)) {
      return InvalidField("resource",
                          "resource must look like scheme://path (docs/restrictions.md)");
    }
    return Status::Ok();
  }
  if (name == "data") {
    if (v.is_null()) return Status::Ok();
    if (v.is_string() && v.get_string() == "read") {
      out.data = service::DataRequest::kRead;
    } else if (v.is_string() && v.get_string() == "write") {
      out.data = service::DataRequest::kWrite;
    } else {
      return InvalidField("data", "data must be \"read\" or \"write\"");
    }
    return Status::Ok();
  }
  if (name == "scopes") return ReadScopes(v, out.scopes);
  if (name == "cost") {
    if (v.is_null()) return Status::Ok();
    if (v.is_int64() && v.get_int64() >= 0 && v.get_int64() <= kMaxCost) {
      out.cost = v.get_int64();
      return Status::Ok();
    }
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(kMaxCost)) {
      out.cost = static_cast<std::int64_t>(v.get_uint64());
      return Status::Ok();
    }
    return InvalidField("cost", "cost must be an integer from 0 to " + std::to_string(kMaxCost));
  }
  return InvalidField(std::string(name), "unknown field " + std::string(name).substr(0, 64));
}

// The answer, written directly (json_text.h). "meta" is spliced in as the stored JSON text:
// re-parsing it on every verification would cost more than the rest of the answer.
std::string Answer(const service::VerifyResult& result, std::string_view public_id,
                   std::optional<std::string_view> namespace_id) {
  std::string out;
  out.reserve(256);
  out += result.valid() ? R"({"valid":true,"code":")" : R"({"valid":false,"code":")";
  out += service::VerifyCodeName(result.code);
  out += '"';
  if (result.entry) {
    const index::KeyEntry* key = &*result.entry;
    out += R"(,"key":{"id":")";
    out += public_id;
    out += R"(","name":)";
    AppendJsonString(out, key->name);
    out += R"(,"type":")";
    out += domain::KeyTypeName(key->type);
    out += R"(","owner":)";
    AppendJsonString(out, key->owner_id);
    out += R"(,"namespace":)";
    if (key->namespace_id.empty()) {
      out += "null";
    } else {
      AppendJsonString(out, key->namespace_id);
    }
    out += R"(,"scopes":[)";
    bool first = true;
    std::vector<std::string> effective;
    if (result.owner) effective = service::EffectiveScopes(*key, result.bounds(), namespace_id);
    for (const auto& scope : effective) {
      if (!first) out += ',';
      first = false;
      AppendJsonString(out, scope);
    }
    out += R"(],"expires_at":)";
    if (key->expires_at == index::kNeverExpires) {
      out += "null";
    } else {
      AppendJsonString(out, domain::FormatTime(key->expires_at));
    }
    out += R"(,"meta":)";
    out += key->meta_json;
    out += '}';
  }
  if (result.rate) {
    fmt::format_to(std::back_inserter(out),
                   R"(,"ratelimit":{{"limit":{},"remaining":{},"reset_ms":{}}})",
                   result.rate->limit, result.rate->remaining, result.rate->reset_ms);
  }
  if (result.quota)
    fmt::format_to(std::back_inserter(out), R"(,"remaining":{})", result.quota->remaining);
  out += '}';
  return out;
}

}  // namespace

ApiResponse VerifyEndpoint::Handle(const ApiRequest& request) const {
  unsigned char buffer[4096];
  json::monotonic_resource resource(buffer, sizeof buffer);
  json::storage_ptr sp(&resource);

  VerifyBody body;
  json::value parsed;
  if (request.body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    boost::system::error_code ec;
    parsed = json::parse(request.body, ec, sp);
    if (ec)
      return ErrorResponse(InvalidArgument("the request body is not valid JSON: " + ec.message()));
    if (!parsed.is_object())
      return ErrorResponse(InvalidArgument("the request body must be a JSON object"));
    for (const auto& [name, value] : parsed.get_object()) {
      Status status = ReadField(name, value, body);
      if (!status.ok()) return ErrorResponse(status);
    }
  }
  auto presented = ExtractKey(request);
  if (!presented.ok()) return ErrorResponse(presented.status());
  if (presented->present() && body.key) {
    return ErrorResponse(InvalidField("key", "the key was given both in a header and in the body"));
  }
  std::string_view secret = presented->present() ? presented->secret() : body.key.value_or("");

  std::optional<std::string_view> claimed_id;
  if (presented->basic_user()) claimed_id = *presented->basic_user();
  // A browser calling verify itself says where it is through its headers.
  std::string_view origin_header = request.Header("Origin");
  if (!body.origin && !body.referrer) {
    if (!origin_header.empty()) body.origin = origin_header;
    if (std::string_view referer = request.Header("Referer"); !referer.empty()) {
      body.referrer = referer;
    }
  }
  service::VerifyResult result = verifier_.Verify({.key = secret,
                                                   .namespace_id = body.namespace_id,
                                                   .claimed_id = claimed_id,
                                                   .scopes = body.scopes,
                                                   .ip = body.ip,
                                                   .origin = body.origin,
                                                   .referrer = body.referrer,
                                                   .resource = body.resource,
                                                   .data = body.data,
                                                   .cost = body.cost,
                                                   .caller_address = request.remote_address});
  ApiResponse response;
  if (result.entry) response.key_id = crypto::PublicKeyId(result.id_chars);
  response.body = Answer(result, response.key_id, body.namespace_id);
  // CORS: a page may read the answer only when the key it presented allows its origin.
  if (!origin_header.empty()) {
    if (result.entry && service::BrowserOriginAllowed(*result.entry->grant, origin_header)) {
      response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin_header));
    }
    response.headers.emplace_back("Vary", "Origin");
  }
  return response;
}

ApiResponse VerifyEndpoint::Preflight(const ApiRequest& request) {
  // A preflight carries no key, so it cannot be judged by one: it is answered for any origin,
  // and the answer to the real call carries Access-Control-Allow-Origin only when the key
  // presented there allows the page's origin.
  ApiResponse response;
  response.status = 204;
  std::string_view origin = request.Header("Origin");
  if (!origin.empty()) {
    response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    response.headers.emplace_back("Access-Control-Allow-Methods", "POST");
    response.headers.emplace_back("Access-Control-Allow-Headers",
                                  "Authorization, Content-Type, X-API-Key");
    response.headers.emplace_back("Access-Control-Max-Age", "600");
    response.headers.emplace_back("Vary", "Origin");
  }
  return response;
}

}  // namespace latchkey::http
