#pragma once
// JSON codecs of the management API (docs/http_api.md): domain values to JSON objects, and a
// strict reader for request bodies that rejects malformed JSON, wrong types and unknown fields
// with kInvalidArgument naming the field.

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/model.h"
#include "domain/result.h"
#include "store/store.h"

namespace latchkey::http {

boost::json::object ToJson(const domain::Namespace& ns);
boost::json::object ToJson(const domain::Principal& principal);
boost::json::object ToJson(const domain::ApiKey& key);
boost::json::object ToJson(const domain::Group& group);
boost::json::object ToJson(const domain::AuditEvent& event);

template <typename T>
boost::json::object PageToJson(const store::Page<T>& page) {
  boost::json::array items;
  for (const auto& item : page.items) items.push_back(ToJson(item));
  boost::json::value cursor = nullptr;
  if (!page.next_cursor.empty()) cursor = page.next_cursor;
  return {{"items", std::move(items)}, {"next_cursor", std::move(cursor)}};
}

// Reads fields of one JSON object. Getters return std::nullopt for an absent or null field and
// record the first error (wrong type, bad value); Finish() reports it, or the first field that
// no getter asked for.
class ObjectReader {
 public:
  // kInvalidArgument when `body` is not a JSON object. An empty body reads as {}.
  static Result<ObjectReader> Parse(std::string_view body);
  explicit ObjectReader(boost::json::object object) : object_(std::move(object)) {}

  std::optional<std::string> String(std::string_view field);
  std::optional<bool> Bool(std::string_view field);
  std::optional<std::int64_t> Int(std::string_view field);
  std::optional<std::vector<std::string>> StringList(std::string_view field);
  std::optional<domain::UnixMillis> Time(std::string_view field);
  std::optional<boost::json::object> Object(std::string_view field);
  std::optional<std::vector<boost::json::object>> ObjectList(std::string_view field);
  // True when `field` is present with the value null (getters read that as absent; a PATCH
  // may mean "remove").
  bool IsNull(std::string_view field);
  // Marks a field as present-but-refused with `message` if it appears (e.g. immutable fields).
  void Refuse(std::string_view field, std::string_view message);
  // Records an error for `field` unless one is recorded already.
  void Fail(std::string_view field, std::string message);
  // Requires a string field.
  std::string RequiredString(std::string_view field);

  Status Finish() const;

 private:
  const boost::json::value* Find(std::string_view field);

  boost::json::object object_;
  std::set<std::string, std::less<>> seen_;
  Status error_;
};

}  // namespace latchkey::http
