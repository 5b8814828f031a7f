#pragma once
// The mapping from parsed command-line arguments to API requests (docs/http_api.md), apart
// from CLI11 and from I/O so that it can be tested on its own. Each *Args struct holds what one
// command was given: std::nullopt (or an empty vector) for an option that was not given, so an
// option is sent only when the user set it. Functions that can refuse the arguments return a
// Result whose error is kInvalidArgument with a message for the user (a usage error, exit 2).

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/api_request.h"
#include "domain/result.h"

namespace latchkey::cli {

struct ListArgs {
  std::vector<std::pair<std::string, std::string>> filters;  // query name → value, in order
  std::optional<int> limit;
  std::optional<std::string> cursor;
  bool all = false;  // follow next_cursor (the caller does; see Client::CallAllPages)
};

struct NamespaceCreateArgs {
  std::string name;
  std::string kind;
  std::optional<std::string> parent_id;
  std::optional<std::string> default_key_prefix;
};

struct NamespaceUpdateArgs {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> default_key_prefix;
};

struct PrincipalCreateArgs {
  std::string name;
  std::string kind;
  std::optional<std::string> namespace_id;
  std::optional<std::string> email;
  bool no_default_key = false;
  std::optional<std::string> password;  // a console password (users only), read from stdin
};

struct PrincipalUpdateArgs {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> email;
};

struct KeyCreateArgs {
  std::string name;
  std::optional<std::string> namespace_id;
  std::optional<std::string> owner;
  std::optional<std::string> type;
  std::vector<std::string> scopes;  // empty: the server default
  std::optional<std::string> description;
  std::optional<std::string> expires_at;  // RFC 3339, passed through
  std::optional<std::string> expires_in;  // a duration; see duration.h
  std::optional<std::string> meta;        // a JSON object, as text
  std::optional<std::string> prefix;
};

struct KeyUpdateArgs {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::vector<std::string> scopes;  // empty: unchanged
  std::optional<std::string> meta;
  std::optional<std::string> expires_at;  // sent as given: the server refuses it (immutable)
};

struct GroupCreateArgs {
  std::string namespace_id;
  std::string name;
  std::optional<std::string> description;
  std::vector<std::string> capabilities;  // sent even when empty: a group may start with none
  std::vector<std::string> members;       // principal ids; empty: not sent
};

struct GroupUpdateArgs {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::vector<std::string> capabilities;  // empty: unchanged, unless clear_capabilities
  bool clear_capabilities = false;        // send "capabilities": [] (excludes capabilities)
};

// GET /v1/whoami.
ApiRequest BuildWhoami();
// GET /v1/{collection}?<filters>&limit=&cursor=.
ApiRequest BuildList(std::string_view collection, const ListArgs& args);
// GET|DELETE /v1/{collection}/{id}.
ApiRequest BuildGet(std::string_view collection, std::string_view id);
ApiRequest BuildDelete(std::string_view collection, std::string_view id);

// POST /v1/namespaces; PATCH /v1/namespaces/{id} (refused when nothing would change).
ApiRequest BuildNamespaceCreate(const NamespaceCreateArgs& args);
Result<ApiRequest> BuildNamespaceUpdate(const NamespaceUpdateArgs& args);

// POST /v1/principals; PATCH /v1/principals/{id} (refused when nothing would change);
// PATCH /v1/principals/{id} {"status": "active" | "disabled"}.
ApiRequest BuildPrincipalCreate(const PrincipalCreateArgs& args);
Result<ApiRequest> BuildPrincipalUpdate(const PrincipalUpdateArgs& args);
ApiRequest BuildPrincipalSetStatus(std::string_view id, bool active);
// PUT /v1/principals/{id}/password {"password"}.
ApiRequest BuildPrincipalSetPassword(std::string_view id, std::string_view password);

// POST /v1/keys. Refuses both --expires-at and --expires-in, a bad duration, and --meta that
// is not a JSON object. `now` anchors --expires-in.
Result<ApiRequest> BuildKeyCreate(const KeyCreateArgs& args,
                                  std::chrono::system_clock::time_point now);
// PATCH /v1/keys/{id}; refused when nothing would change or --meta is not a JSON object.
Result<ApiRequest> BuildKeyUpdate(const KeyUpdateArgs& args);
// POST /v1/keys/{id}/{action} for action "disable", "enable" or "revoke".
ApiRequest BuildKeyAction(std::string_view id, std::string_view action);
// POST /v1/keys/verify {"key", "namespace"?}, without the caller's credential.
ApiRequest BuildVerify(std::string_view key, const std::optional<std::string>& namespace_id);

// POST /v1/groups.
ApiRequest BuildGroupCreate(const GroupCreateArgs& args);
// PATCH /v1/groups/{id}; refused when nothing would change, or when both capabilities and
// clear_capabilities are given.
Result<ApiRequest> BuildGroupUpdate(const GroupUpdateArgs& args);
// PUT (add) or DELETE (remove) /v1/groups/{id}/members/{principal_id}, without a body.
ApiRequest BuildGroupMember(std::string_view group_id, std::string_view principal_id, bool add);

// POST /v1/audit/verify, without a body.
ApiRequest BuildAuditVerify();

}  // namespace latchkey::cli
