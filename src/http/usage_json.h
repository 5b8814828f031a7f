#pragma once
// The JSON of GET /v1/keys/{id}/usage (docs/console.md, "Usage"): a KeyUsageReport with RFC 3339
// times, the buckets oldest first, and per bucket only the codes that were counted.

#include <boost/json.hpp>

#include "service/key_service.h"

namespace latchkey::http {

boost::json::object ToJson(const service::KeyUsageReport& report);

}  // namespace latchkey::http
