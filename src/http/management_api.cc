#include "http/management_api.h"

#include <boost/json.hpp>
#include <boost/url.hpp>
#include <charconv>
#include <map>

#include "domain/permission.h"
#include "domain/time_format.h"
#include "domain/web_origin.h"
#include "http/client_address.h"
#include "http/credentials.h"
#include "http/errors.h"
#include "http/json_codec.h"
#include "http/usage_json.h"

namespace latchkey::http {

namespace json = boost::json;

struct ManagementApi::Call {
  const ApiRequest& request;
  service::Caller caller;
  std::string id;                                         // the first {} segment, if any
  std::vector<std::string> ids;                           // every {} segment
  std::map<std::string, std::string, std::less<>> query;  // decoded query parameters
};

const ManagementApi::Route ManagementApi::kRoutes[] = {
    {"GET", "/v1/whoami", &ManagementApi::WhoAmI},
    {"POST", "/v1/namespaces", &ManagementApi::CreateNamespace},
    {"GET", "/v1/namespaces", &ManagementApi::ListNamespaces},
    {"GET", "/v1/namespaces/{}", &ManagementApi::GetNamespace},
    {"PATCH", "/v1/namespaces/{}", &ManagementApi::UpdateNamespace},
    {"DELETE", "/v1/namespaces/{}", &ManagementApi::DeleteNamespace},
    {"POST", "/v1/principals", &ManagementApi::CreatePrincipal},
    {"GET", "/v1/principals", &ManagementApi::ListPrincipals},
    {"GET", "/v1/principals/{}", &ManagementApi::GetPrincipal},
    {"PATCH", "/v1/principals/{}", &ManagementApi::UpdatePrincipal},
    {"DELETE", "/v1/principals/{}", &ManagementApi::DeletePrincipal},
    {"PUT", "/v1/principals/{}/password", &ManagementApi::SetPrincipalPassword},
    {"POST", "/v1/keys", &ManagementApi::CreateKey},
    {"GET", "/v1/keys", &ManagementApi::ListKeys},
    {"GET", "/v1/keys/{}", &ManagementApi::GetKey},
    {"PATCH", "/v1/keys/{}", &ManagementApi::UpdateKey},
    {"DELETE", "/v1/keys/{}", &ManagementApi::DeleteKey},
    {"POST", "/v1/keys/{}/disable", &ManagementApi::DisableKey},
    {"POST", "/v1/keys/{}/enable", &ManagementApi::EnableKey},
    {"POST", "/v1/keys/{}/revoke", &ManagementApi::RevokeKey},
    {"POST", "/v1/keys/{}/roll", &ManagementApi::RollKey},
    {"GET", "/v1/keys/{}/usage", &ManagementApi::GetKeyUsage},
    {"POST", "/v1/groups", &ManagementApi::CreateGroup},
    {"GET", "/v1/groups", &ManagementApi::ListGroups},
    {"GET", "/v1/groups/{}", &ManagementApi::GetGroup},
    {"PATCH", "/v1/groups/{}", &ManagementApi::UpdateGroup},
    {"DELETE", "/v1/groups/{}", &ManagementApi::DeleteGroup},
    {"PUT", "/v1/groups/{}/members/{}", &ManagementApi::AddGroupMember},
    {"DELETE", "/v1/groups/{}/members/{}", &ManagementApi::RemoveGroupMember},
    {"GET", "/v1/audit", &ManagementApi::ListAudit},
    {"POST", "/v1/audit/verify", &ManagementApi::VerifyAudit},
    {"POST", "/v2/users/{}/keys", &ManagementApi::CreateAppKeys},
    {"GET", "/v2/users/{}/keys", &ManagementApi::ListAppKeys},
    {"DELETE", "/v2/users/{}/keys/{}", &ManagementApi::DeleteAppKey},
};

namespace {

ApiResponse JsonResponse(int status, json::object body) {
  ApiResponse response;
  response.status = status;
  response.body = json::serialize(body);
  return response;
}

template <typename T>
ApiResponse Respond(int status, const Result<T>& result) {
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(status, ToJson(*result));
}

ApiResponse NoContent(const Status& status) {
  if (!status.ok()) return ErrorResponse(status);
  ApiResponse response;
  response.status = 204;
  return response;
}

// The decoded segments of a path.
std::vector<std::string> PathSegments(const boost::urls::url_view& url) {
  std::vector<std::string> out;
  for (auto segment : url.segments()) out.push_back(std::string(segment));
  return out;
}

// Matches `segments` against a pattern such as "/v1/keys/{}/revoke"; fills `ids`.
bool Matches(std::string_view pattern, const std::vector<std::string>& segments,
             std::vector<std::string>& ids) {
  ids.clear();
  std::size_t i = 0;
  pattern.remove_prefix(1);
  while (!pattern.empty()) {
    std::size_t slash = pattern.find('/');
    std::string_view part = pattern.substr(0, slash);
    if (i >= segments.size()) return false;
    if (part == "{}") {
      if (segments[i].empty()) return false;
      ids.push_back(segments[i]);
    } else if (part != segments[i]) {
      return false;
    }
    ++i;
    pattern = slash == std::string_view::npos ? "" : pattern.substr(slash + 1);
  }
  return i == segments.size();
}

Result<store::PageRequest> ReadPage(const std::map<std::string, std::string, std::less<>>& q) {
  store::PageRequest page;
  if (auto it = q.find("limit"); it != q.end()) {
    const std::string& s = it->second;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), page.limit);
    if (ec != std::errc() || end != s.data() + s.size() || page.limit < 1 || page.limit > 1000) {
      return InvalidField("limit", "limit must be an integer from 1 to 1000");
    }
  }
  if (auto it = q.find("cursor"); it != q.end()) page.cursor = it->second;
  return page;
}

// Rejects query parameters a listing does not know.
Status CheckQuery(const std::map<std::string, std::string, std::less<>>& q,
                  std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : q) {
    if (name == "limit" || name == "cursor") continue;
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return InvalidField(name, "unknown query parameter " + name.substr(0, 64));
    }
  }
  return Status::Ok();
}

std::optional<std::string> QueryValue(const std::map<std::string, std::string, std::less<>>& q,
                                      std::string_view name) {
  auto it = q.find(name);
  return it == q.end() ? std::nullopt : std::optional<std::string>(it->second);
}

// Parses an enum query parameter, recording a bad value in `status`.
template <typename E>
std::optional<E> QueryEnum(const std::map<std::string, std::string, std::less<>>& q,
                           std::string_view name, std::optional<E> (*parse)(std::string_view),
                           Status& status) {
  auto value = QueryValue(q, name);
  if (!value) return std::nullopt;
  auto parsed = parse(*value);
  if (!parsed && status.ok()) {
    status = InvalidField(std::string(name), std::string(name) + " has an unknown value");
  }
  return parsed;
}

// Answers a listing: `query_status` carries a bad filter parameter, if any; `list` runs the
// service call for the page that the query's limit and cursor ask for.
template <typename List>
ApiResponse ListResponse(const Status& query_status,
                         const std::map<std::string, std::string, std::less<>>& query, List list) {
  if (!query_status.ok()) return ErrorResponse(query_status);
  auto page = ReadPage(query);
  if (!page.ok()) return ErrorResponse(page.status());
  auto result = list(*page);
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(200, PageToJson(*result));
}

// Reads an enum field of a body.
template <typename E>
std::optional<E> BodyEnum(ObjectReader& reader, std::string_view field,
                          std::optional<E> (*parse)(std::string_view)) {
  auto text = reader.String(field);
  if (!text) return std::nullopt;
  auto value = parse(*text);
  if (!value)
    reader.Fail(field, std::string(field) + " has an unknown value '" + text->substr(0, 32) + "'");
  return value;
}

// The fields of a "settings" object; absent fields stay std::nullopt (a PATCH keeps them).
struct SettingsPatch {
  bool present = false;
  std::optional<std::vector<std::string>> app_domains;
  std::optional<std::string> default_key_prefix;
  std::optional<std::vector<std::string>> default_resources;
};

SettingsPatch ReadSettings(ObjectReader& reader) {
  SettingsPatch patch;
  auto object = reader.Object("settings");
  if (!object) return patch;
  patch.present = true;
  ObjectReader settings_reader(std::move(*object));
  patch.app_domains = settings_reader.StringList("app_domains");
  patch.default_key_prefix = settings_reader.String("default_key_prefix");
  patch.default_resources = settings_reader.StringList("default_resources");
  Status status = settings_reader.Finish();
  if (!status.ok()) reader.Fail("settings." + status.field(), "settings: " + status.message());
  return patch;
}

std::optional<std::string> ReadMeta(ObjectReader& reader) {
  auto object = reader.Object("meta");
  if (!object) return std::nullopt;
  return json::serialize(*object);
}

// Refuses each of `fields` if present: they are fixed when the object is created.
void RefuseImmutable(ObjectReader& reader, std::initializer_list<std::string_view> fields) {
  for (std::string_view field : fields) {
    reader.Refuse(field, std::string(field) + " cannot be changed");
  }
}

// The restriction fields of a key body (docs/restrictions.md). `origins` is replaced as a
// whole: members it leaves out take their defaults.
service::KeyRestrictionsInput ReadRestrictions(ObjectReader& reader) {
  service::KeyRestrictionsInput r;
  r.resources = reader.StringList("resources");
  r.data_access = BodyEnum(reader, "data_access", &domain::ParseDataAccess);
  r.allowed_ips = reader.StringList("allowed_ips");
  if (auto object = reader.Object("origins")) {
    ObjectReader origins(std::move(*object));
    domain::Origins o;
    o.native = origins.Bool("native").value_or(true);
    o.browser = origins.Bool("browser").value_or(false);
    o.referrers = origins.StringList("referrers").value_or(std::vector<std::string>{});
    if (Status s = origins.Finish(); !s.ok()) {
      reader.Fail("origins." + s.field(), "origins: " + s.message());
    }
    r.origins = std::move(o);
  }
  if (reader.IsNull("rate_limit")) {
    r.rate_limit.emplace(std::nullopt);
  } else if (auto object = reader.Object("rate_limit")) {
    ObjectReader limit(std::move(*object));
    domain::RateLimit l;
    l.limit = limit.Int("limit").value_or(0);
    l.window_ms = limit.Int("window_ms").value_or(0);
    if (Status s = limit.Finish(); !s.ok()) {
      reader.Fail("rate_limit." + s.field(), "rate_limit: " + s.message());
    }
    r.rate_limit.emplace(l);
  }
  if (reader.IsNull("quota")) {
    r.quota.emplace(std::nullopt);
  } else if (auto object = reader.Object("quota")) {
    ObjectReader quota(std::move(*object));
    domain::Quota q;
    q.remaining = quota.Int("remaining").value_or(-1);
    if (auto refill = quota.Object("refill")) {
      ObjectReader refill_reader(std::move(*refill));
      q.refill_interval = refill_reader.RequiredString("interval");
      q.refill_amount = refill_reader.Int("amount").value_or(-1);
      if (Status s = refill_reader.Finish(); !s.ok()) {
        quota.Fail("refill." + s.field(), "refill: " + s.message());
      }
    }
    if (Status s = quota.Finish(); !s.ok()) {
      reader.Fail("quota." + s.field(), "quota: " + s.message());
    }
    r.quota.emplace(q);
  }
  return r;
}

}  // namespace

namespace {

constexpr std::string_view kAllowMethods = "GET, POST, PUT, PATCH, DELETE";
constexpr std::string_view kAllowHeaders = "Authorization, Content-Type, X-API-Key";

// The browser origin of a cross-origin request: std::nullopt without an Origin header, or
// when it is the server's own origin (same-origin calls, e.g. from the console).
std::optional<std::string_view> CrossOrigin(const ApiRequest& request) {
  std::string_view origin = request.Header("Origin");
  if (origin.empty()) return std::nullopt;
  std::string_view host = request.Header("Host");
  std::size_t sep = origin.find("://");
  if (!host.empty() && sep != std::string_view::npos && origin.substr(sep + 3) == host) {
    return std::nullopt;
  }
  return origin;
}

void AllowOrigin(ApiResponse& response, std::string_view origin) {
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  response.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id");
  response.headers.emplace_back("Vary", "Origin");
}

}  // namespace

bool ManagementApi::RefusalThrottle::ShouldRecord(const std::string& what) {
  auto now = std::chrono::steady_clock::now();
  if (last_.size() > kMaxTracked) last_.clear();  // bounded memory; at worst, more events
  auto [it, inserted] = last_.try_emplace(what, now);
  if (inserted) return true;
  if (now - it->second < kInterval) return false;
  it->second = now;
  return true;
}

// CORS (docs/http_api.md): browsers may call the management API from the whitelisted
// application domains of the namespaces the credential reaches.
ApiResponse ManagementApi::Preflight(std::string_view origin) {
  auto parsed = domain::ParseWebOrigin(origin);
  if (!parsed || !s_.policy.AllowsOrigin(nullptr, *parsed)) {
    return ErrorResponse(
        PermissionDenied("origin " + std::string(origin.substr(0, 128)) +
                         " is not a whitelisted application domain of any namespace"));
  }
  ApiResponse response;
  response.status = 204;
  AllowOrigin(response, origin);
  response.headers.emplace_back("Access-Control-Allow-Methods", std::string(kAllowMethods));
  response.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowHeaders));
  response.headers.emplace_back("Access-Control-Max-Age", "600");
  return response;
}

ApiResponse ManagementApi::Handle(const ApiRequest& original) {
  // From here on, remote_address is the client's, also behind a trusted proxy.
  const std::string client = ClientAddress(original, s_.trusted_proxies);
  ApiRequest request = original;
  request.remote_address = client;
  std::optional<std::string_view> origin = CrossOrigin(request);
  if (request.method == "OPTIONS" && origin &&
      !request.Header("Access-Control-Request-Method").empty()) {
    return Preflight(*origin);
  }
  ApiResponse response = Dispatch(request, origin);
  // Errors before authentication (401) can be read by pages of any whitelisted domain; after
  // it, Dispatch decided for the caller.
  if (origin && response.status == 401) {
    auto parsed = domain::ParseWebOrigin(*origin);
    if (parsed && s_.policy.AllowsOrigin(nullptr, *parsed)) AllowOrigin(response, *origin);
  }
  return response;
}

ApiResponse ManagementApi::Dispatch(const ApiRequest& request,
                                    std::optional<std::string_view> origin) {
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return ErrorResponse(InvalidArgument("the request target is not a valid path"));
  if (session_endpoint_ && SessionEndpoint::Owns(request.Path())) {
    return session_endpoint_->Handle(request, origin.has_value());
  }
  auto segments = PathSegments(*url);
  std::vector<std::string> ids;
  const Route* route = nullptr;
  std::string allow;
  for (const Route& r : kRoutes) {
    std::vector<std::string> matched;
    if (!Matches(r.pattern, segments, matched)) continue;
    allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    if (r.method == request.method) {
      route = &r;
      ids = std::move(matched);
    }
  }
  if (!route && allow.empty()) {
    return ErrorResponse(
        NotFound("no such endpoint: " + std::string(request.Path()).substr(0, 128)));
  }
  if (!route) {
    ApiResponse response = ErrorResponse(
        Status(ErrorCode::kMethodNotAllowed,
               std::string(request.method).substr(0, 16) + " is not allowed here; use " + allow));
    response.headers.emplace_back("Allow", allow);
    return response;
  }
  auto caller = Authenticate(request, origin.has_value());
  if (!caller.ok()) return ErrorResponse(caller.status());
  caller->request_id = request.request_id;
  caller->source_ip = request.remote_address;
  // Refusals before any service runs are audited here (every 403 is) — at most one event per
  // credential and action a minute: these credentials (a standard key in a browser) may be
  // held by anyone, who must not be able to fill the audit log with them.
  auto refuse = [&](std::string_view action, const Status& why) {
    if (refusals_.ShouldRecord(caller->key_id + " " + std::string(action))) {
      s_.audit.Denied(*caller, action, "", caller->key_namespace, why);
    }
    return ErrorResponse(why);
  };
  if (Status s = service::Authenticator::ManagementCredential(*caller); !s.ok()) {
    return refuse("management.call", s);
  }
  if (origin) {
    auto parsed = domain::ParseWebOrigin(*origin);
    if (!parsed || !s_.policy.AllowsOrigin(&*caller, *parsed)) {
      return refuse("management.cors",
                    PermissionDenied("origin " + std::string(origin->substr(0, 128)) +
                                     " is not a whitelisted application domain of the "
                                     "namespaces this credential reaches"));
    }
  }
  std::string id = ids.empty() ? "" : ids.front();
  Call call{request, std::move(caller).value(), std::move(id), std::move(ids), {}};
  for (auto param : url->params()) call.query.insert_or_assign(param.key, param.value);
  ApiResponse response = (this->*(route->handler))(call);
  if (response.key_id.empty()) response.key_id = call.caller.key_id;
  if (origin) AllowOrigin(response, *origin);
  return response;
}

Result<service::Caller> ManagementApi::Authenticate(const ApiRequest& request, bool cross_origin) {
  auto presented = ExtractKey(request);
  if (!presented.ok()) return Unauthenticated(presented.status().message());
  // A key wins over a cookie: a request that names a key means that key.
  if (!presented->present() && session_endpoint_ && SessionEndpoint::HasSessionCookie(request)) {
    return session_endpoint_->Authenticate(request, cross_origin);
  }
  return s_.authenticator.Identify(presented->secret(), presented->basic_user(),
                                   request.remote_address);
}

ApiResponse ManagementApi::WhoAmI(Call& call) {
  auto principal = s_.principals.Self(call.caller);
  if (!principal.ok()) return ErrorResponse(principal.status());
  // A console session has no key: it shows as "key": null and "session".
  json::value key_json = nullptr;
  json::value session_json = nullptr;
  if (const auto& session = call.caller.session) {
    session_json = {{"id", session->id},
                    {"created_at", domain::FormatTime(session->created_at)},
                    {"expires_at", domain::FormatTime(session->expires_at)}};
  } else {
    auto key = s_.keys.Self(call.caller);
    if (!key.ok()) return ErrorResponse(key.status());
    key_json = ToJson(*key);
  }
  // Effective permissions (DESIGN §4.1): per namespace where the credential holds any, and
  // their union. A superuser's unbound credential holds its scopes everywhere.
  const service::Caller& caller = call.caller;
  std::vector<std::string> everywhere;
  json::object by_namespace;
  if (caller.superuser && caller.key_type != domain::KeyType::kManagement) {
    everywhere = domain::Intersect(caller.key_scopes, {"*"});
  } else {
    std::vector<std::vector<std::string>> all;
    std::vector<std::string> namespaces;
    if (caller.key_type == domain::KeyType::kManagement) {
      namespaces.push_back(caller.key_namespace);
    } else {
      for (const auto& [ns, caps] : caller.capabilities->by_namespace) namespaces.push_back(ns);
    }
    for (const auto& ns : namespaces) {
      auto effective = s_.policy.Effective(caller, ns);
      if (effective.empty()) continue;
      by_namespace[ns] = json::array(effective.begin(), effective.end());
      all.push_back(std::move(effective));
    }
    everywhere = domain::Union(all);
  }
  json::object body{{"principal", ToJson(*principal)},
                    {"key", std::move(key_json)},
                    {"permissions", json::array(everywhere.begin(), everywhere.end())},
                    {"permissions_by_namespace", std::move(by_namespace)}};
  if (!session_json.is_null()) body["session"] = std::move(session_json);
  return JsonResponse(200, std::move(body));
}

ApiResponse ManagementApi::CreateNamespace(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  service::CreateNamespaceInput input;
  input.name = reader->RequiredString("name");
  auto kind = BodyEnum(*reader, "kind", &domain::ParseNamespaceKind);
  if (!kind && reader->Finish().ok()) reader->Fail("kind", "kind is required");
  input.kind = kind.value_or(domain::NamespaceKind::kOrganization);
  input.parent_id = reader->String("parent_id");
  if (SettingsPatch settings = ReadSettings(*reader); settings.present) {
    input.settings = domain::NamespaceSettings{
        .app_domains = settings.app_domains.value_or(std::vector<std::string>{}),
        .default_key_prefix = settings.default_key_prefix.value_or(""),
        .default_resources = settings.default_resources.value_or(std::vector<std::string>{})};
  }
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  return Respond(201, s_.namespaces.Create(call.caller, input));
}

ApiResponse ManagementApi::ListNamespaces(Call& call) {
  Status status = CheckQuery(call.query, {"parent_id", "kind"});
  store::NamespaceFilter filter;
  filter.parent_id = QueryValue(call.query, "parent_id");
  filter.kind = QueryEnum(call.query, "kind", &domain::ParseNamespaceKind, status);
  return ListResponse(status, call.query, [&](const store::PageRequest& page) {
    return s_.namespaces.List(call.caller, filter, page);
  });
}

ApiResponse ManagementApi::GetNamespace(Call& call) {
  return Respond(200, s_.namespaces.Get(call.caller, call.id));
}

ApiResponse ManagementApi::UpdateNamespace(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  service::UpdateNamespaceInput input;
  input.name = reader->String("name");
  SettingsPatch settings = ReadSettings(*reader);
  input.app_domains = std::move(settings.app_domains);
  input.default_key_prefix = std::move(settings.default_key_prefix);
  input.default_resources = std::move(settings.default_resources);
  RefuseImmutable(*reader, {"id", "kind", "parent_id"});
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  return Respond(200, s_.namespaces.Update(call.caller, call.id, input));
}

ApiResponse ManagementApi::DeleteNamespace(Call& call) {
  return NoContent(s_.namespaces.Delete(call.caller, call.id));
}

ApiResponse ManagementApi::CreatePrincipal(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  service::CreatePrincipalInput input;
  input.name = reader->RequiredString("name");
  auto kind = BodyEnum(*reader, "kind", &domain::ParsePrincipalKind);
  if (!kind && reader->Finish().ok()) reader->Fail("kind", "kind is required");
  input.kind = kind.value_or(domain::PrincipalKind::kUser);
  input.namespace_id = reader->String("namespace");
  input.email = reader->String("email");
  input.default_key = reader->Bool("default_key").value_or(true);
  input.password = reader->String("password");
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  auto created = s_.principals.Create(call.caller, std::move(input));
  if (!created.ok()) return ErrorResponse(created.status());
  json::object body = ToJson(created->principal);
  if (created->default_key) {
    json::object key = ToJson(created->default_key->key);
    key["secret"] = created->default_key->secret;
    body["default_key"] = std::move(key);
  }
  return JsonResponse(201, std::move(body));
}

ApiResponse ManagementApi::ListPrincipals(Call& call) {
  Status status = CheckQuery(call.query, {"namespace", "kind", "status"});
  store::PrincipalFilter filter;
  filter.namespace_id = QueryValue(call.query, "namespace");
  filter.kind = QueryEnum(call.query, "kind", &domain::ParsePrincipalKind, status);
  filter.status = QueryEnum(call.query, "status", &domain::ParsePrincipalStatus, status);
  return ListResponse(status, call.query, [&](const store::PageRequest& page) {
    return s_.principals.List(call.caller, filter, page);
  });
}

ApiResponse ManagementApi::GetPrincipal(Call& call) {
  return Respond(200, s_.principals.Get(call.caller, call.id));
}

ApiResponse ManagementApi::UpdatePrincipal(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  service::UpdatePrincipalInput input;
  input.name = reader->String("name");
  if (auto email = reader->String("email")) input.email = email;
  input.status = BodyEnum(*reader, "status", &domain::ParsePrincipalStatus);
  RefuseImmutable(*reader, {"id", "kind", "namespace", "superuser"});
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  return Respond(200, s_.principals.Update(call.caller, call.id, input));
}

ApiResponse ManagementApi::DeletePrincipal(Call& call) {
  return NoContent(s_.principals.Delete(call.caller, call.id));
}

ApiResponse ManagementApi::SetPrincipalPassword(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  std::string password = reader->RequiredString("password");
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  return NoContent(s_.principals.SetPassword(call.caller, call.id, password));
}

ApiResponse ManagementApi::CreateKey(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  service::CreateKeyInput input;
  input.name = reader->RequiredString("name");
  input.description = reader->String("description");
  input.type = BodyEnum(*reader, "type", &domain::ParseKeyType);
  input.owner = reader->String("owner");
  input.namespace_id = reader->String("namespace");
  input.scopes = reader->StringList("scopes");
  input.expires_at = reader->Time("expires_at");
  input.meta_json = ReadMeta(*reader);
  input.prefix = reader->String("prefix");
  input.restrictions = ReadRestrictions(*reader);
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  auto created = s_.keys.Create(call.caller, std::move(input));
  if (!created.ok()) return ErrorResponse(created.status());
  json::object body = ToJson(created->key);
  body["secret"] = created->secret;
  return JsonResponse(201, std::move(body));
}

ApiResponse ManagementApi::ListKeys(Call& call) {
  Status status = CheckQuery(call.query, {"namespace", "owner", "status", "type"});
  store::KeyFilter filter;
  filter.namespace_id = QueryValue(call.query, "namespace");
  filter.owner_id = QueryValue(call.query, "owner");
  filter.status = QueryEnum(call.query, "status", &domain::ParseKeyStatus, status);
  filter.type = QueryEnum(call.query, "type", &domain::ParseKeyType, status);
  return ListResponse(status, call.query, [&](const store::PageRequest& page) {
    return s_.keys.List(call.caller, filter, page);
  });
}

ApiResponse ManagementApi::GetKey(Call& call) {
  return Respond(200, s_.keys.Get(call.caller, call.id));
}

ApiResponse ManagementApi::GetKeyUsage(Call& call) {
  return Respond(200, s_.keys.Usage(call.caller, call.id));
}

ApiResponse ManagementApi::UpdateKey(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  service::UpdateKeyInput input;
  input.name = reader->String("name");
  input.description = reader->String("description");
  input.scopes = reader->StringList("scopes");
  input.meta_json = ReadMeta(*reader);
  reader->Refuse("expires_at",
                 "expires_at cannot be changed after creation; create a new key instead");
  RefuseImmutable(*reader, {"id", "type", "owner", "namespace", "prefix", "status", "secret"});
  input.restrictions = ReadRestrictions(*reader);
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  return Respond(200, s_.keys.Update(call.caller, call.id, std::move(input)));
}

ApiResponse ManagementApi::DeleteKey(Call& call) {
  return NoContent(s_.keys.Delete(call.caller, call.id));
}

ApiResponse ManagementApi::DisableKey(Call& call) {
  return ApplyKeyAction(call, service::KeyAction::kDisable);
}
ApiResponse ManagementApi::EnableKey(Call& call) {
  return ApplyKeyAction(call, service::KeyAction::kEnable);
}
ApiResponse ManagementApi::RevokeKey(Call& call) {
  return ApplyKeyAction(call, service::KeyAction::kRevoke);
}

ApiResponse ManagementApi::CreateGroup(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  service::CreateGroupInput input;
  input.namespace_id = reader->RequiredString("namespace");
  input.name = reader->RequiredString("name");
  input.description = reader->String("description");
  input.capabilities = reader->StringList("capabilities").value_or(std::vector<std::string>{});
  input.members = reader->StringList("members").value_or(std::vector<std::string>{});
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  return Respond(201, s_.groups.Create(call.caller, std::move(input)));
}

ApiResponse ManagementApi::ListGroups(Call& call) {
  Status status = CheckQuery(call.query, {"namespace", "member"});
  store::GroupFilter filter;
  filter.namespace_id = QueryValue(call.query, "namespace");
  filter.member_id = QueryValue(call.query, "member");
  return ListResponse(status, call.query, [&](const store::PageRequest& page) {
    return s_.groups.List(call.caller, filter, page);
  });
}

ApiResponse ManagementApi::GetGroup(Call& call) {
  return Respond(200, s_.groups.Get(call.caller, call.id));
}

ApiResponse ManagementApi::UpdateGroup(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  service::UpdateGroupInput input;
  input.name = reader->String("name");
  input.description = reader->String("description");
  input.capabilities = reader->StringList("capabilities");
  reader->Refuse("members",
                 "members change one at a time: PUT or DELETE /v1/groups/{id}/members/{principal}");
  RefuseImmutable(*reader, {"id", "namespace"});
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  return Respond(200, s_.groups.Update(call.caller, call.id, std::move(input)));
}

ApiResponse ManagementApi::DeleteGroup(Call& call) {
  return NoContent(s_.groups.Delete(call.caller, call.id));
}

ApiResponse ManagementApi::AddGroupMember(Call& call) {
  return Respond(200, s_.groups.AddMember(call.caller, call.ids[0], call.ids[1]));
}

ApiResponse ManagementApi::RemoveGroupMember(Call& call) {
  return Respond(200, s_.groups.RemoveMember(call.caller, call.ids[0], call.ids[1]));
}

ApiResponse ManagementApi::ListAudit(Call& call) {
  Status status =
      CheckQuery(call.query, {"namespace", "actor", "target", "action", "since", "until"});
  store::AuditFilter filter;
  filter.namespace_id = QueryValue(call.query, "namespace");
  filter.actor = QueryValue(call.query, "actor");
  filter.target = QueryValue(call.query, "target");
  filter.action = QueryValue(call.query, "action");
  for (auto [name, into] : {std::pair{"since", &filter.since}, std::pair{"until", &filter.until}}) {
    if (auto text = QueryValue(call.query, name)) {
      auto time = domain::ParseTime(*text);
      if (!time && status.ok()) {
        status = InvalidField(name, std::string(name) + " must be an RFC 3339 time");
      }
      *into = time;
    }
  }
  return ListResponse(status, call.query, [&](const store::PageRequest& page) {
    return s_.audit.List(call.caller, filter, page);
  });
}

ApiResponse ManagementApi::VerifyAudit(Call& call) {
  auto report = s_.audit.Verify(call.caller);
  if (!report.ok()) return ErrorResponse(report.status());
  json::value first_broken = nullptr;
  if (report->first_broken) first_broken = *report->first_broken;
  return JsonResponse(200, {{"ok", report->ok()},
                            {"checked", report->checked},
                            {"first_broken", std::move(first_broken)},
                            {"problem", report->problem}});
}

// The compatibility route of DESIGN §6.3: the original API's shapes, our error bodies.
namespace {

json::object CompatOk(json::array keys) {
  return {{"status", {{"code", 10000}, {"description", "Ok"}}}, {"keys", std::move(keys)}};
}

json::object CompatKey(const service::AppKey& k) {
  json::object out{
      {"id", k.secret.empty() ? k.key.id : k.secret},
      {"description", k.key.description},
      {"scopes", json::array(k.key.scopes.begin(), k.key.scopes.end())},
      {"apps", json::array{json::object{{"id", k.app_name}, {"user_id", k.user_name}}}},
      {"created_at", domain::FormatTime(k.key.created_at)},
      {"expires_at",
       k.key.expires_at ? json::value(domain::FormatTime(*k.key.expires_at)) : json::value()}};
  if (!k.secret.empty()) out["key_id"] = k.key.id;
  return out;
}

}  // namespace

ApiResponse ManagementApi::CreateAppKeys(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  auto entries = reader->ObjectList("keys");
  if (!entries && reader->Finish().ok()) reader->Fail("keys", "keys is required");
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  if (entries->empty() || entries->size() > 100) {
    return ErrorResponse(InvalidField("keys", "keys must hold 1 to 100 entries"));
  }
  std::vector<service::AppKeyInput> inputs;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    std::string prefix = "keys[" + std::to_string(i) + "].";
    ObjectReader entry((*entries)[i]);
    service::AppKeyInput input;
    input.description = entry.String("description").value_or("");
    input.scopes = entry.StringList("scopes").value_or(std::vector<std::string>{"All"});
    auto apps = entry.ObjectList("apps");
    if (!apps && entry.Finish().ok()) entry.Fail("apps", "apps is required");
    if (apps && apps->size() != 1) entry.Fail("apps", "a key is bound to exactly one app");
    if (Status s = entry.Finish(); !s.ok()) {
      return ErrorResponse(InvalidField(prefix + s.field(), s.message()));
    }
    ObjectReader app(apps->front());
    input.app = app.RequiredString("id");
    auto user_id = app.String("user_id");
    if (Status s = app.Finish(); !s.ok()) {
      return ErrorResponse(InvalidField(prefix + "apps[0]." + s.field(), s.message()));
    }
    input.user_id = std::move(user_id);
    inputs.push_back(std::move(input));
  }
  auto created = s_.app_keys.Create(call.caller, call.id, inputs);
  if (!created.ok()) return ErrorResponse(created.status());
  json::array keys;
  for (const auto& k : *created) keys.push_back(CompatKey(k));
  return JsonResponse(200, CompatOk(std::move(keys)));
}

ApiResponse ManagementApi::ListAppKeys(Call& call) {
  if (Status s = CheckQuery(call.query, {}); !s.ok()) return ErrorResponse(s);
  auto listed = s_.app_keys.List(call.caller, call.id);
  if (!listed.ok()) return ErrorResponse(listed.status());
  json::array keys;
  for (const auto& k : *listed) keys.push_back(CompatKey(k));
  return JsonResponse(200, CompatOk(std::move(keys)));
}

ApiResponse ManagementApi::DeleteAppKey(Call& call) {
  Status deleted = s_.app_keys.Delete(call.caller, call.ids[0], call.ids[1]);
  if (!deleted.ok()) return ErrorResponse(deleted);
  return JsonResponse(200, CompatOk(json::array()));
}

ApiResponse ManagementApi::RollKey(Call& call) {
  auto reader = ObjectReader::Parse(call.request.body);
  if (!reader.ok()) return ErrorResponse(reader.status());
  std::int64_t grace = reader->Int("grace_seconds").value_or(0);
  if (Status s = reader->Finish(); !s.ok()) return ErrorResponse(s);
  auto rolled = s_.keys.Roll(call.caller, call.id, grace);
  if (!rolled.ok()) return ErrorResponse(rolled.status());
  json::object body = ToJson(rolled->key);
  body["secret"] = rolled->secret;
  body["rolled_from"] = call.id;
  return JsonResponse(201, std::move(body));
}

ApiResponse ManagementApi::ApplyKeyAction(Call& call, service::KeyAction action) {
  if (auto reader = ObjectReader::Parse(call.request.body);
      !reader.ok() || !reader->Finish().ok()) {
    return ErrorResponse(reader.ok() ? reader->Finish() : reader.status());
  }
  return Respond(200, s_.keys.Apply(call.caller, call.id, action));
}

}  // namespace latchkey::http
