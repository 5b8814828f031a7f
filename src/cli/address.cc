#include "cli/address.h"

#include <boost/url/parse.hpp>
#include <charconv>

namespace latchkey::cli {
namespace {

namespace urls = boost::urls;

// Checks the parts of the URL the CLI cannot honour; an empty string means none.
std::string Unsupported(const urls::url_view& u) {
  if (u.scheme_id() != urls::scheme::http) {
    return "unsupported scheme '" + std::string(u.scheme()) + "' (only http:// is supported)";
  }
  if (u.has_userinfo()) return "user info is not allowed in the address (use --token)";
  if (u.has_query()) return "a query is not allowed in the address";
  if (u.has_fragment()) return "a fragment is not allowed in the address";
  if (u.encoded_host().empty()) return "no host in the address";
  return "";
}

bool ValidPort(std::string_view port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

std::string BasePath(std::string_view encoded_path) {
  while (!encoded_path.empty() && encoded_path.back() == '/') encoded_path.remove_suffix(1);
  return std::string(encoded_path);
}

}  // namespace

Result<ServerAddress> ParseServerAddress(std::string_view url) {
  // An address with user info may hold a password: it is not repeated in messages.
  std::string invalid = url.find('@') != std::string_view::npos
                            ? "invalid address"
                            : "invalid address '" + std::string(url) + "'";
  std::string text(url);
  if (text.find("://") == std::string::npos) text = "http://" + text;
  auto parsed = urls::parse_uri(text);
  if (!parsed) return InvalidArgument(invalid);
  const urls::url_view& u = *parsed;
  if (std::string why = Unsupported(u); !why.empty()) return InvalidArgument(invalid + ": " + why);
  std::string port = u.has_port() ? std::string(u.port()) : "80";
  if (!ValidPort(port)) return InvalidArgument(invalid + ": bad port '" + port + "'");
  ServerAddress address;
  address.display = std::string(url);
  address.host = u.host_type() == urls::host_type::name ? std::string(u.host())
                                                        : std::string(u.host_address());
  address.port = port;
  address.host_header = std::string(u.encoded_host_and_port());
  address.base_path = BasePath(u.encoded_path());
  return address;
}

}  // namespace latchkey::cli
