#include "http/verify_endpoint.h"

#include <boost/json.hpp>

#include "crypto/key_format.h"
#include "domain/time_format.h"
#include "http/credentials.h"
#include "http/errors.h"

namespace latchkey::http {
namespace {

namespace json = boost::json;

struct VerifyBody {
  std::optional<std::string_view> key;
  std::optional<std::string_view> namespace_id;
};

bool IsStringList(const json::value& v) {
  if (!v.is_array()) return false;
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) return false;
  }
  return true;
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
  if (name == "resource" || name == "origin" || name == "referrer" || name == "ip") {
    return string_field(nullptr);
  }
  if (name == "data") {
    if (v.is_null() || (v.is_string() && (v.get_string() == "read" || v.get_string() == "write"))) {
      return Status::Ok();
    }
    return InvalidField("data", "data must be \"read\" or \"write\"");
  }
  if (name == "scopes") {
    if (v.is_null() || IsStringList(v)) return Status::Ok();
    return InvalidField("scopes", "scopes must be an array of strings");
  }
  if (name == "cost") {
    if (v.is_null() || (v.is_int64() && v.get_int64() >= 0) || v.is_uint64()) return Status::Ok();
    return InvalidField("cost", "cost must be a non-negative integer");
  }
  return InvalidField(std::string(name), "unknown field " + std::string(name).substr(0, 64));
}

// The "key" member of a verify answer, except "meta", which the caller splices in as the stored
// JSON text: re-parsing it on every verification would cost more than the rest of the object.
json::object KeyObject(const index::KeyEntry& key, std::string_view public_id,
                       json::storage_ptr sp) {
  json::object out(sp);
  out["id"] = public_id;
  out["name"] = key.name;
  out["type"] = domain::KeyTypeName(key.type);
  out["owner"] = key.owner_id;
  out["namespace"] =
      key.namespace_id.empty() ? json::value(nullptr) : json::value(key.namespace_id);
  out["scopes"] = json::array(key.scopes->begin(), key.scopes->end(), sp);
  out["expires_at"] = key.expires_at == index::kNeverExpires
                          ? json::value(nullptr)
                          : json::value(domain::FormatTime(key.expires_at));
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
  service::VerifyResult result = verifier_.Verify(
      {.key = secret, .namespace_id = body.namespace_id, .claimed_id = claimed_id});
  json::object out(sp);
  out["valid"] = result.valid();
  out["code"] = service::VerifyCodeName(result.code);
  ApiResponse response;
  if (!result.entry) {
    response.body = json::serialize(out);
    return response;
  }
  response.key_id = crypto::PublicKeyId(result.id_chars);
  out["key"] = KeyObject(*result.entry, response.key_id, sp);
  // "key" is the last member, so the body ends with the key object's "}" and the outer "}".
  response.body = json::serialize(out);
  response.body.insert(response.body.size() - 2, ",\"meta\":" + result.entry->meta_json);
  return response;
}

}  // namespace latchkey::http
