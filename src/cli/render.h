#pragma once
// What the CLI prints for humans: tables of namespaces, principals, keys, groups and audit
// events, single objects as "field: value" lines, the once-only secret of a new key, the
// results of verify, whoami and audit verify, and the error lines. Every function is pure: it takes
// the server's JSON (docs/http_api.md) and returns text ending in '\n'. Unknown or missing fields
// are tolerated — the server may grow. No function here ever receives the caller's token; Redact()
// is the last line of defence for text that might still echo it.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cli/http_client.h"

namespace latchkey::cli {

enum class Resource { kNamespace, kPrincipal, kKey, kGroup, kAuditEvent };

// An aligned table with the resource's columns, or "no keys" (etc.) for an empty list; when
// `next_cursor` is not empty a last line says how to fetch the next page. A missing or null
// field shows as "-" (EXPIRES: "never"); an audit event's ACTOR is its actor_principal, else
// its actor_key, and its empty strings show as "-"; a group's MEMBERS is the number of them.
std::string RenderList(Resource resource, const boost::json::array& items,
                       std::string_view next_cursor);

// Every field of `object` as "field: value" lines; nested objects are flattened with dotted
// names ("origins.native"). `secret` and `default_key` are left out: they are shown apart.
std::string RenderObject(const boost::json::object& object);

// The new secret, once, with a warning that it will not be shown again.
std::string RenderSecretNotice(std::string_view label, std::string_view secret);

// A created key: its fields, then its secret.
std::string RenderCreatedKey(const boost::json::object& key);

// A created principal: its fields, then its default key and that key's secret if present.
std::string RenderCreatedPrincipal(const boost::json::object& principal);

// The code of a verify response, then the key's id, name, type, owner, namespace, scopes and
// expiry when the response has a key.
std::string RenderVerify(const boost::json::object& response);

// The principal, the key and the permissions of a whoami response.
std::string RenderWhoami(const boost::json::object& response);

// One line for an audit verify response: "audit chain OK: 120 events checked" when its "ok" is
// true, else "audit chain BROKEN at event 57: <problem> (120 events checked)" (the "at event"
// and ": <problem>" parts only when the server gives them).
std::string RenderAuditVerify(const boost::json::object& response);

// The error of a response with a status >= 400, from its JSON error body when it has one.
struct ApiError {
  int http_status = 0;
  std::string code;  // "not_found", or "http_502" when the body is not a latchkey error
  std::string message;
  std::optional<std::string> field;
};
ApiError ParseApiError(const HttpResponse& response);

// "error: <code>: <message> (field: <field>)".
std::string RenderApiError(const ApiError& error);
// "error: cannot reach latchkey at <address>: <reason>".
std::string RenderConnectionError(std::string_view address, std::string_view reason);
// "error: <message>" for a usage error found before anything is sent.
std::string RenderUsageError(std::string_view message);

// `text` with every occurrence of `secret` replaced by "[redacted]"; `text` as is when
// `secret` is empty.
std::string Redact(std::string_view text, std::string_view secret);

}  // namespace latchkey::cli
