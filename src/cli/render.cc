#include "cli/render.h"

#include <boost/json/parse.hpp>
#include <span>
#include <utility>
#include <vector>

#include "cli/table.h"

namespace latchkey::cli {
namespace {

namespace json = boost::json;
using Fields = std::vector<std::pair<std::string, std::string>>;

enum class Show {
  kValue,     // the field as DisplayValue shows it
  kNonEmpty,  // the same, but an empty string counts as missing
  kCount,     // the number of items of an array field
};

struct Column {
  std::string_view header;
  std::string_view field;
  std::string_view if_null = "-";  // shown when neither field nor or_field is there
  Show show = Show::kValue;
  std::string_view or_field = {};  // shown when `field` is missing
};

constexpr Column kNamespaceColumns[] = {{"ID", "id"},
                                        {"NAME", "name"},
                                        {"KIND", "kind"},
                                        {"PARENT", "parent_id"},
                                        {"CREATED", "created_at"}};
constexpr Column kPrincipalColumns[] = {
    {"ID", "id"},         {"NAME", "name"},           {"KIND", "kind"},
    {"STATUS", "status"}, {"NAMESPACE", "namespace"}, {"EMAIL", "email"}};
constexpr Column kKeyColumns[] = {{"ID", "id"},
                                  {"NAME", "name"},
                                  {"TYPE", "type"},
                                  {"STATUS", "status"},
                                  {"NAMESPACE", "namespace"},
                                  {"OWNER", "owner"},
                                  {"HINT", "hint"},
                                  {"EXPIRES", "expires_at", "never"}};
constexpr Column kGroupColumns[] = {{"ID", "id"},
                                    {"NAME", "name"},
                                    {"NAMESPACE", "namespace"},
                                    {"CAPABILITIES", "capabilities"},
                                    {"MEMBERS", "members", "-", Show::kCount}};
// The API writes "" for an event's missing actor, target or namespace.
constexpr Column kAuditEventColumns[] = {
    {"SEQ", "seq"},
    {"TIME", "time"},
    {"ACTOR", "actor_principal", "-", Show::kNonEmpty, "actor_key"},
    {"ACTION", "action"},
    {"TARGET", "target", "-", Show::kNonEmpty},
    {"NAMESPACE", "namespace", "-", Show::kNonEmpty},
    {"OUTCOME", "outcome"}};

std::span<const Column> ColumnsOf(Resource resource) {
  switch (resource) {
    case Resource::kNamespace:
      return kNamespaceColumns;
    case Resource::kPrincipal:
      return kPrincipalColumns;
    case Resource::kKey:
      return kKeyColumns;
    case Resource::kGroup:
      return kGroupColumns;
    case Resource::kAuditEvent:
      return kAuditEventColumns;
  }
  return kKeyColumns;
}

std::string_view PluralOf(Resource resource) {
  switch (resource) {
    case Resource::kNamespace:
      return "namespaces";
    case Resource::kPrincipal:
      return "principals";
    case Resource::kKey:
      return "keys";
    case Resource::kGroup:
      return "groups";
    case Resource::kAuditEvent:
      return "audit events";
  }
  return "items";
}

// The value of `field` in `item`; nullptr when it is missing or null (or "", for kNonEmpty).
const json::value* PresentField(const json::value& item, std::string_view field, Show show) {
  const json::value* value = item.is_object() ? item.get_object().if_contains(field) : nullptr;
  if (value == nullptr || value->is_null()) return nullptr;
  if (show == Show::kNonEmpty && value->is_string() && value->get_string().empty()) return nullptr;
  return value;
}

std::string Cell(const json::value& item, const Column& column) {
  const json::value* value = PresentField(item, column.field, column.show);
  if (value == nullptr && !column.or_field.empty()) {
    value = PresentField(item, column.or_field, column.show);
  }
  if (value == nullptr) return std::string(column.if_null);
  if (column.show == Show::kCount && value->is_array()) {
    return std::to_string(value->get_array().size());
  }
  return DisplayValue(*value);
}

void Flatten(const json::object& object, const std::string& prefix, Fields& out) {
  for (const auto& [name, value] : object) {
    if (prefix.empty() && (name == "secret" || name == "default_key")) continue;
    std::string full = prefix + std::string(name);
    if (value.is_object() && !value.get_object().empty()) {
      Flatten(value.get_object(), full + ".", out);
    } else {
      out.emplace_back(std::move(full), DisplayValue(value));
    }
  }
}

std::string Indent(std::string_view text, std::string_view by) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && c != '\n') out += by;
    out += c;
    line_start = c == '\n';
  }
  return out;
}

const json::object* ObjectField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value != nullptr && value->is_object() ? &value->get_object() : nullptr;
}

std::string StringField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

}  // namespace

std::string RenderList(Resource resource, const json::array& items, std::string_view next_cursor) {
  if (items.empty()) return "no " + std::string(PluralOf(resource)) + "\n";
  std::vector<std::string> headers;
  for (const Column& column : ColumnsOf(resource)) headers.emplace_back(column.header);
  Table table(std::move(headers));
  for (const json::value& item : items) {
    std::vector<std::string> cells;
    for (const Column& column : ColumnsOf(resource)) {
      cells.push_back(Cell(item, column));
    }
    table.AddRow(std::move(cells));
  }
  std::string out = table.Render();
  if (!next_cursor.empty()) {
    out += "more results: add --cursor " + SanitizeForTerminal(next_cursor) + " (or use --all)\n";
  }
  return out;
}

std::string RenderObject(const json::object& object) {
  Fields fields;
  Flatten(object, "", fields);
  return RenderFields(fields);
}

std::string RenderSecretNotice(std::string_view label, std::string_view secret) {
  return std::string(label) + " (shown once, you will not see this again; store it now):\n" +
         SanitizeForTerminal(secret) + "\n";
}

std::string RenderCreatedKey(const json::object& key) {
  std::string out = RenderObject(key);
  if (std::string secret = StringField(key, "secret"); !secret.empty()) {
    out += "\n" + RenderSecretNotice("secret", secret);
  }
  return out;
}

std::string RenderCreatedPrincipal(const json::object& principal) {
  std::string out = RenderObject(principal);
  const json::object* key = ObjectField(principal, "default_key");
  if (key == nullptr) return out;
  out += "\ndefault key:\n" + Indent(RenderObject(*key), "  ");
  if (std::string secret = StringField(*key, "secret"); !secret.empty()) {
    out += "\n" + RenderSecretNotice("default-key secret", secret);
  }
  return out;
}

std::string RenderVerify(const json::object& response) {
  Fields fields = {{"code", StringField(response, "code")}};
  if (const json::object* key = ObjectField(response, "key")) {
    for (std::string_view name :
         {"id", "name", "type", "owner", "namespace", "scopes", "expires_at"}) {
      if (const json::value* value = key->if_contains(name)) {
        fields.emplace_back(name == "id" ? "key" : std::string(name), DisplayValue(*value));
      }
    }
  }
  if (const json::value* remaining = response.if_contains("remaining")) {
    fields.emplace_back("remaining", DisplayValue(*remaining));
  }
  return RenderFields(fields);
}

std::string RenderWhoami(const json::object& response) {
  std::string out;
  if (const json::object* principal = ObjectField(response, "principal")) {
    out += "principal:\n" + Indent(RenderObject(*principal), "  ");
  }
  if (const json::object* key = ObjectField(response, "key")) {
    out += "key:\n" + Indent(RenderObject(*key), "  ");
  }
  if (const json::value* permissions = response.if_contains("permissions")) {
    out += RenderFields({{"permissions", DisplayValue(*permissions)}});
  }
  return out;
}

std::string RenderAuditVerify(const json::object& response) {
  const json::value* ok = response.if_contains("ok");
  const json::value* checked = response.if_contains("checked");
  std::string count = checked != nullptr && checked->is_number() ? DisplayValue(*checked) : "?";
  std::string events = count + (count == "1" ? " event" : " events") + " checked";
  if (ok != nullptr && ok->is_bool() && ok->get_bool()) return "audit chain OK: " + events + "\n";
  std::string out = "audit chain BROKEN";
  const json::value* first_broken = response.if_contains("first_broken");
  if (first_broken != nullptr && first_broken->is_number()) {
    out += " at event " + DisplayValue(*first_broken);
  }
  if (std::string problem = StringField(response, "problem"); !problem.empty()) {
    out += ": " + SanitizeForTerminal(problem);
  }
  return out + " (" + events + ")\n";
}

ApiError ParseApiError(const HttpResponse& response) {
  ApiError error{response.status, "http_" + std::to_string(response.status),
                 response.reason.empty() ? "unexpected response" : response.reason, std::nullopt};
  boost::system::error_code ec;
  json::value body = json::parse(response.body, ec);
  const json::object* detail =
      ec || !body.is_object() ? nullptr : ObjectField(body.get_object(), "error");
  if (detail == nullptr || StringField(*detail, "code").empty()) return error;
  error.code = StringField(*detail, "code");
  error.message = StringField(*detail, "message");
  if (std::string field = StringField(*detail, "field"); !field.empty()) error.field = field;
  return error;
}

std::string RenderApiError(const ApiError& error) {
  std::string out =
      "error: " + SanitizeForTerminal(error.code) + ": " + SanitizeForTerminal(error.message);
  if (error.field) out += " (field: " + SanitizeForTerminal(*error.field) + ")";
  return out + "\n";
}

std::string RenderConnectionError(std::string_view address, std::string_view reason) {
  return "error: cannot reach latchkey at " + SanitizeForTerminal(address) + ": " +
         SanitizeForTerminal(reason) + "\n";
}

std::string RenderUsageError(std::string_view message) {
  return "error: " + SanitizeForTerminal(message) + "\n";
}

std::string Redact(std::string_view text, std::string_view secret) {
  if (secret.empty()) return std::string(text);
  std::string out;
  std::size_t start = 0;
  for (std::size_t at = text.find(secret); at != std::string_view::npos;
       at = text.find(secret, start)) {
    out.append(text.substr(start, at - start)).append("[redacted]");
    start = at + secret.size();
  }
  out.append(text.substr(start));
  return out;
}

}  // namespace latchkey::cli
