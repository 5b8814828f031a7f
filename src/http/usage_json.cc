#include "http/usage_json.h"

#include <cstddef>
#include <span>

#include "domain/time_format.h"

namespace latchkey::http {
namespace {

namespace json = boost::json;

// {"VALID": 3, "RATE_LIMITED": 1}: the codes counted, in VerifyCode order.
json::object CountsToJson(const service::OutcomeCounts& counts) {
  json::object out;
  for (std::size_t code = 0; code < counts.size(); ++code) {
    if (counts[code] == 0) continue;
    out[service::VerifyCodeName(static_cast<service::VerifyCode>(code))] = counts[code];
  }
  return out;
}

// The buckets as {"bucket_seconds", "buckets"}; adds their counts to `total`.
json::object SeriesToJson(std::span<const service::UsageBucket> buckets, int bucket_seconds,
                          service::OutcomeCounts& total) {
  json::array items;
  items.reserve(buckets.size());
  for (const service::UsageBucket& bucket : buckets) {
    for (std::size_t code = 0; code < total.size(); ++code) total[code] += bucket.counts[code];
    items.push_back(json::object{{"start", domain::FormatTime(bucket.start)},
                                 {"counts", CountsToJson(bucket.counts)}});
  }
  return {{"bucket_seconds", bucket_seconds}, {"buckets", std::move(items)}};
}

json::value RateToJson(const service::KeyUsageReport& report) {
  if (!report.rate_limit || !report.rate) return nullptr;
  return json::object{{"limit", report.rate_limit->limit},
                      {"window_ms", report.rate_limit->window_ms},
                      {"remaining", report.rate->remaining},
                      {"reset_ms", report.rate->reset_ms}};
}

// "limit" is what a refill sets the balance to; a quota without a refill has none.
json::value QuotaToJson(const service::KeyUsageReport& report) {
  if (!report.quota) return nullptr;
  const domain::Quota& quota = *report.quota;
  json::value limit = nullptr;
  json::value refill = nullptr;
  if (quota.refill_interval) {
    limit = quota.refill_amount;
    refill = *quota.refill_interval;
  }
  return json::object{{"remaining", report.quota_remaining.value_or(quota.remaining)},
                      {"limit", std::move(limit)},
                      {"refill", std::move(refill)}};
}

}  // namespace

json::object ToJson(const service::KeyUsageReport& report) {
  service::OutcomeCounts hour_total{};
  service::OutcomeCounts day_total{};
  json::object hour = SeriesToJson(report.series.minutes, 60, hour_total);
  json::object day = SeriesToJson(report.series.hours, 3600, day_total);
  json::value last_used_at = nullptr;
  if (report.last_used_at) last_used_at = domain::FormatTime(*report.last_used_at);
  return {{"key_id", report.key_id},
          {"now", domain::FormatTime(report.now)},
          {"since", domain::FormatTime(report.series.since)},
          {"last_used_at", std::move(last_used_at)},
          {"rate_limit", RateToJson(report)},
          {"quota", QuotaToJson(report)},
          {"hour", std::move(hour)},
          {"day", std::move(day)},
          {"totals", {{"hour", CountsToJson(hour_total)}, {"day", CountsToJson(day_total)}}}};
}

}  // namespace latchkey::http
