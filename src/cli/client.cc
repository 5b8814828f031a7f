#include "cli/client.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <utility>

namespace latchkey::cli {
namespace {

namespace json = boost::json;

void SetCursor(ApiRequest& request, const std::string& cursor) {
  std::erase_if(request.query, [](const auto& param) { return param.first == "cursor"; });
  request.query.emplace_back("cursor", cursor);
}

// The next page's cursor, "" on the last page.
std::string NextCursor(const json::object& page) {
  const json::value* cursor = page.if_contains("next_cursor");
  return cursor != nullptr && cursor->is_string() ? std::string(cursor->get_string()) : "";
}

}  // namespace

Client::Client(HttpTransport& transport, ServerAddress address, std::string token)
    : transport_(transport), address_(std::move(address)), token_(std::move(token)) {}

Result<Reply> Client::Call(const ApiRequest& request) {
  LK_ASSIGN_OR_RETURN(HttpResponse response,
                      transport_.RoundTrip(ToHttpRequest(address_, token_, request)));
  Reply reply;
  reply.status = response.status;
  if (response.status >= 400) {
    reply.error = ParseApiError(response);
  } else if (response.status != 204 && !response.body.empty()) {
    boost::system::error_code ec;
    reply.json = json::parse(response.body, ec);
    if (ec) {
      return Internal("the response to " + std::string(HttpMethodName(request.method)) + " " +
                      BuildTarget(address_.base_path, request) + " is not JSON (HTTP " +
                      std::to_string(response.status) + ")");
    }
  }
  reply.body = std::move(response.body);
  return reply;
}

Result<Reply> Client::CallAllPages(ApiRequest request) {
  json::array items;
  std::string previous_cursor;
  while (true) {
    LK_ASSIGN_OR_RETURN(Reply page, Call(request));
    if (page.error) return page;
    if (!page.json.is_object()) return Internal("a list response is not a JSON object");
    if (const json::value* page_items = page.json.get_object().if_contains("items");
        page_items != nullptr && page_items->is_array()) {
      for (const json::value& item : page_items->get_array()) items.push_back(item);
    }
    std::string cursor = NextCursor(page.json.get_object());
    if (cursor.empty()) break;
    if (cursor == previous_cursor) return Internal("the server repeated the cursor " + cursor);
    SetCursor(request, cursor);
    previous_cursor = std::move(cursor);
  }
  Reply all;
  all.status = 200;
  all.json = json::object{{"items", std::move(items)}, {"next_cursor", nullptr}};
  all.body = json::serialize(all.json);
  return all;
}

}  // namespace latchkey::cli
