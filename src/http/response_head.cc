#include "http/response_head.h"

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <ostream>  // before Beast: its string_view header needs it

namespace latchkey::http {
namespace {

bool SafeHeader(std::string_view name, std::string_view value) {
  if (name.empty() || name.find_first_of(":\r\n \t") != std::string_view::npos) return false;
  return value.find_first_of("\r\n") == std::string_view::npos;
}

void AppendNumber(std::string& out, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

}  // namespace

bool WriteResponseHead(std::string& out, const ApiResponse& response, const HeadOptions& options) {
  int status = response.status;
  if (status < 100 || status > 999) status = 500;
  bool no_content = status < 200 || status == 204 || status == 304;
  auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));

  out.clear();
  out += "HTTP/1.1 ";
  AppendNumber(out, static_cast<std::size_t>(status));
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\nServer: latchkey\r\n";
  if (!options.request_id.empty()) {
    out += "X-Request-Id: ";
    out += options.request_id;
    out += "\r\n";
  }
  if (!no_content) {
    if (!response.content_type.empty()) {
      out += "Content-Type: ";
      out += response.content_type;
      out += "\r\n";
    } else if (!response.body.empty()) {
      out += "Content-Type: application/json\r\n";
    }
    out += "Content-Length: ";
    AppendNumber(out, response.body.size());
    out += "\r\n";
  }
  for (const auto& [name, value] : response.headers) {
    if (!SafeHeader(name, value)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!options.keep_alive) {
    out += "Connection: close\r\n";
  } else if (options.http10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  return !no_content && !options.head_method;
}

}  // namespace latchkey::http
