#pragma once
// JSON text written directly, for the answers built on every verification (an object tree
// and its serializer would cost more than the verification itself) and for the access log.

#include <string>
#include <string_view>

namespace latchkey::http {

// `s` as the inside of a JSON string (no quotes): `s` itself when it needs no escaping (the
// common case: ids, names, paths), otherwise Boost.JSON's escaping written into `storage`.
std::string_view JsonEscaped(std::string_view s, std::string& storage);

// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace latchkey::http
