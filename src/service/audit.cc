#include "service/audit.h"

#include <boost/json.hpp>

#include "crypto/key_format.h"
#include "crypto/sha256.h"

namespace latchkey::service {
namespace {

namespace json = boost::json;

const std::string kGenesisHash(64, '0');

}  // namespace

bool IsAuditedDenial(const Status& status) {
  return status.code() == ErrorCode::kPermissionDenied ||
         status.code() == ErrorCode::kPrivilegeEscalation;
}

std::string AuditCanonicalText(const domain::AuditEvent& e) {
  json::array fields{
      e.seq,        e.time,      e.actor_principal, e.actor_key,
      e.action,     e.target,    e.namespace_id,    domain::AuditOutcomeName(e.outcome),
      e.request_id, e.source_ip, e.details_json,    e.prev_hash};
  return json::serialize(fields);
}

std::string AuditDetail(std::string_view name, std::string_view value) {
  return json::serialize(json::object{{name, value}});
}

Status AppendAuditEvent(store::Transaction& tx, domain::AuditEvent& event) {
  // Targets and namespaces may come from the request as given; a secret pasted there is not
  // kept (DESIGN §3: never in audit events).
  event.target = crypto::RedactKeys(event.target);
  event.namespace_id = crypto::RedactKeys(event.namespace_id);
  event.details_json = crypto::RedactKeys(event.details_json);
  LK_ASSIGN_OR_RETURN(std::optional<domain::AuditEvent> last, tx.LastAuditEvent());
  event.seq = last ? last->seq + 1 : 1;
  event.prev_hash = last ? last->hash : kGenesisHash;
  event.hash = crypto::Sha256Hex(AuditCanonicalText(event));
  return tx.AppendAuditEvent(event);
}

domain::AuditEvent AuditLog::Begin(const Caller& caller, std::string_view action) const {
  domain::AuditEvent event;
  event.time = ctx_.clock.NowMillis();
  event.actor_principal = caller.principal_id;
  event.actor_key = caller.key_id;
  event.action = action;
  event.request_id = caller.request_id;
  event.source_ip = caller.source_ip;
  return event;
}

Status AuditLog::Write(const Caller& caller, std::string_view action, const Change& change) {
  domain::AuditEvent event = Begin(caller, action);
  Status status = ctx_.store.Write([&](store::Transaction& tx) -> Status {
    LK_RETURN_IF_ERROR(change(tx, event));
    event.outcome = domain::AuditOutcome::kSuccess;
    return AppendAuditEvent(tx, event);
  });
  if (IsAuditedDenial(status)) Denied(caller, action, event.target, event.namespace_id, status);
  return status;
}

void AuditLog::Denied(const Caller& caller, std::string_view action, std::string_view target,
                      std::string_view namespace_id, const Status& why) {
  domain::AuditEvent event = Begin(caller, action);
  event.target = target;
  event.namespace_id = namespace_id;
  event.outcome = domain::AuditOutcome::kDenied;
  event.details_json = json::serialize(
      json::object{{"error", ErrorCodeName(why.code())}, {"message", why.message()}});
  // A refusal that cannot be recorded must not turn into a different answer to the caller; the
  // store error shows in the server log through the store's own reporting.
  (void)ctx_.store.Write(
      [&](store::Transaction& tx) -> Status { return AppendAuditEvent(tx, event); });
}

Result<store::Page<domain::AuditEvent>> AuditLog::List(const Caller& caller,
                                                       store::AuditFilter filter,
                                                       const store::PageRequest& page) {
  if (filter.namespace_id) {
    Status allowed = ctx_.policy.Authorize(caller, "audit:read", *filter.namespace_id);
    if (!allowed.ok()) {
      Denied(caller, "audit.list", "", *filter.namespace_id, allowed);
      return allowed;
    }
    filter.include_unscoped = false;
  } else if (auto visible = ctx_.policy.NamespacesWith(caller, "audit:read")) {
    filter.namespace_ids = std::move(*visible);
    filter.include_unscoped = false;
  }
  store::Page<domain::AuditEvent> result;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(result, tx.ListAuditEvents(filter, page));
    return Status::Ok();
  }));
  return result;
}

Result<AuditChainReport> AuditLog::Verify(const Caller& caller) {
  Status allowed = ctx_.policy.Authorize(caller, "audit:read", "");
  if (!allowed.ok()) {
    Denied(caller, "audit.verify", "", "", allowed);
    return allowed;
  }
  return VerifyAuditChain(ctx_.store);
}

Result<AuditChainReport> VerifyAuditChain(store::Store& store) {
  AuditChainReport report;
  std::string prev_hash = kGenesisHash;
  std::int64_t expected_seq = 1;
  LK_RETURN_IF_ERROR(store.ForEachAuditEvent([&](const domain::AuditEvent& e) -> Status {
    ++report.checked;
    if (report.first_broken) return Status::Ok();
    auto broken = [&](std::string problem) {
      report.first_broken = e.seq;
      report.problem = std::move(problem);
    };
    if (e.seq != expected_seq) {
      broken("expected event " + std::to_string(expected_seq) + " here: events are missing");
    } else if (e.prev_hash != prev_hash) {
      broken("prev_hash does not match the hash of the event before it");
    } else if (e.hash != crypto::Sha256Hex(AuditCanonicalText(e))) {
      broken("the event's fields do not match its hash: it was changed");
    }
    prev_hash = e.hash;
    expected_seq = e.seq + 1;
    return Status::Ok();
  }));
  return report;
}

}  // namespace latchkey::service
