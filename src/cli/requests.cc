#include "cli/requests.h"

#include <boost/json/parse.hpp>

#include "cli/duration.h"

namespace latchkey::cli {
namespace {

namespace json = boost::json;

void SetIfGiven(json::object& body, std::string_view name, const std::optional<std::string>& v) {
  if (v) body[name] = *v;
}

json::array ToArray(const std::vector<std::string>& strings) {
  json::array out;
  for (const std::string& s : strings) out.emplace_back(s);
  return out;
}

Result<json::object> ParseMeta(const std::string& text) {
  boost::system::error_code ec;
  json::value meta = json::parse(text, ec);
  if (ec || !meta.is_object())
    return InvalidArgument("--meta must be a JSON object, e.g. '{\"team\":\"billing\"}'");
  return std::move(meta.get_object());
}

Status NothingToUpdate(const json::object& body) {
  if (!body.empty()) return Status::Ok();
  return InvalidArgument("nothing to update: give at least one of the update options");
}

ApiRequest Request(HttpMethod method, std::vector<std::string> path,
                   std::optional<json::object> body = std::nullopt) {
  ApiRequest request;
  request.method = method;
  request.path = std::move(path);
  request.body = std::move(body);
  return request;
}

}  // namespace

ApiRequest BuildWhoami() { return Request(HttpMethod::kGet, {"v1", "whoami"}); }

ApiRequest BuildList(std::string_view collection, const ListArgs& args) {
  ApiRequest request = Request(HttpMethod::kGet, {"v1", std::string(collection)});
  request.query = args.filters;
  if (args.limit) request.query.emplace_back("limit", std::to_string(*args.limit));
  if (args.cursor) request.query.emplace_back("cursor", *args.cursor);
  return request;
}

ApiRequest BuildGet(std::string_view collection, std::string_view id) {
  return Request(HttpMethod::kGet, {"v1", std::string(collection), std::string(id)});
}

ApiRequest BuildDelete(std::string_view collection, std::string_view id) {
  return Request(HttpMethod::kDelete, {"v1", std::string(collection), std::string(id)});
}

ApiRequest BuildNamespaceCreate(const NamespaceCreateArgs& args) {
  json::object body{{"name", args.name}, {"kind", args.kind}};
  SetIfGiven(body, "parent_id", args.parent_id);
  if (args.default_key_prefix) {
    body["settings"] = json::object{{"default_key_prefix", *args.default_key_prefix}};
  }
  return Request(HttpMethod::kPost, {"v1", "namespaces"}, std::move(body));
}

Result<ApiRequest> BuildNamespaceUpdate(const NamespaceUpdateArgs& args) {
  json::object body;
  SetIfGiven(body, "name", args.name);
  if (args.default_key_prefix) {
    body["settings"] = json::object{{"default_key_prefix", *args.default_key_prefix}};
  }
  LK_RETURN_IF_ERROR(NothingToUpdate(body));
  return Request(HttpMethod::kPatch, {"v1", "namespaces", args.id}, std::move(body));
}

ApiRequest BuildPrincipalCreate(const PrincipalCreateArgs& args) {
  json::object body{{"name", args.name}, {"kind", args.kind}};
  SetIfGiven(body, "namespace", args.namespace_id);
  SetIfGiven(body, "email", args.email);
  if (args.no_default_key) body["default_key"] = false;
  SetIfGiven(body, "password", args.password);
  return Request(HttpMethod::kPost, {"v1", "principals"}, std::move(body));
}

Result<ApiRequest> BuildPrincipalUpdate(const PrincipalUpdateArgs& args) {
  json::object body;
  SetIfGiven(body, "name", args.name);
  SetIfGiven(body, "email", args.email);
  LK_RETURN_IF_ERROR(NothingToUpdate(body));
  return Request(HttpMethod::kPatch, {"v1", "principals", args.id}, std::move(body));
}

ApiRequest BuildPrincipalSetStatus(std::string_view id, bool active) {
  json::object body{{"status", active ? "active" : "disabled"}};
  return Request(HttpMethod::kPatch, {"v1", "principals", std::string(id)}, std::move(body));
}

ApiRequest BuildPrincipalSetPassword(std::string_view id, std::string_view password) {
  json::object body{{"password", password}};
  return Request(HttpMethod::kPut, {"v1", "principals", std::string(id), "password"},
                 std::move(body));
}

Result<ApiRequest> BuildKeyCreate(const KeyCreateArgs& args,
                                  std::chrono::system_clock::time_point now) {
  json::object body{{"name", args.name}};
  SetIfGiven(body, "description", args.description);
  SetIfGiven(body, "type", args.type);
  SetIfGiven(body, "owner", args.owner);
  SetIfGiven(body, "namespace", args.namespace_id);
  if (!args.scopes.empty()) body["scopes"] = ToArray(args.scopes);
  if (args.expires_at && args.expires_in) {
    return InvalidArgument("give either --expires-at or --expires-in, not both");
  }
  SetIfGiven(body, "expires_at", args.expires_at);
  if (args.expires_in) {
    LK_ASSIGN_OR_RETURN(body["expires_at"], ExpiresAtFromDuration(*args.expires_in, now));
  }
  if (args.meta) {
    LK_ASSIGN_OR_RETURN(body["meta"], ParseMeta(*args.meta));
  }
  SetIfGiven(body, "prefix", args.prefix);
  return Request(HttpMethod::kPost, {"v1", "keys"}, std::move(body));
}

Result<ApiRequest> BuildKeyUpdate(const KeyUpdateArgs& args) {
  json::object body;
  SetIfGiven(body, "name", args.name);
  SetIfGiven(body, "description", args.description);
  if (!args.scopes.empty()) body["scopes"] = ToArray(args.scopes);
  if (args.meta) {
    LK_ASSIGN_OR_RETURN(body["meta"], ParseMeta(*args.meta));
  }
  SetIfGiven(body, "expires_at", args.expires_at);
  LK_RETURN_IF_ERROR(NothingToUpdate(body));
  return Request(HttpMethod::kPatch, {"v1", "keys", args.id}, std::move(body));
}

ApiRequest BuildKeyAction(std::string_view id, std::string_view action) {
  return Request(HttpMethod::kPost, {"v1", "keys", std::string(id), std::string(action)},
                 json::object{});
}

ApiRequest BuildVerify(std::string_view key, const std::optional<std::string>& namespace_id) {
  json::object body{{"key", key}};
  SetIfGiven(body, "namespace", namespace_id);
  ApiRequest request = Request(HttpMethod::kPost, {"v1", "keys", "verify"}, std::move(body));
  request.authenticated = false;
  return request;
}

ApiRequest BuildGroupCreate(const GroupCreateArgs& args) {
  json::object body{{"namespace", args.namespace_id}, {"name", args.name}};
  SetIfGiven(body, "description", args.description);
  body["capabilities"] = ToArray(args.capabilities);
  if (!args.members.empty()) body["members"] = ToArray(args.members);
  return Request(HttpMethod::kPost, {"v1", "groups"}, std::move(body));
}

Result<ApiRequest> BuildGroupUpdate(const GroupUpdateArgs& args) {
  if (args.clear_capabilities && !args.capabilities.empty()) {
    return InvalidArgument("give either --capability or --no-capabilities, not both");
  }
  json::object body;
  SetIfGiven(body, "name", args.name);
  SetIfGiven(body, "description", args.description);
  if (!args.capabilities.empty() || args.clear_capabilities) {
    body["capabilities"] = ToArray(args.capabilities);
  }
  LK_RETURN_IF_ERROR(NothingToUpdate(body));
  return Request(HttpMethod::kPatch, {"v1", "groups", args.id}, std::move(body));
}

ApiRequest BuildGroupMember(std::string_view group_id, std::string_view principal_id, bool add) {
  return Request(add ? HttpMethod::kPut : HttpMethod::kDelete,
                 {"v1", "groups", std::string(group_id), "members", std::string(principal_id)});
}

ApiRequest BuildAuditVerify() { return Request(HttpMethod::kPost, {"v1", "audit", "verify"}); }

}  // namespace latchkey::cli
