#include "http/json_text.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

namespace latchkey::http {

std::string_view JsonEscaped(std::string_view s, std::string& storage) {
  bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20;
  });
  if (plain) return s;
  storage = boost::json::serialize(boost::json::string_view(s.data(), s.size()));
  return std::string_view(storage).substr(1, storage.size() - 2);
}

void AppendJsonString(std::string& out, std::string_view s) {
  std::string storage;
  out += '"';
  out += JsonEscaped(s, storage);
  out += '"';
}

}  // namespace latchkey::http
