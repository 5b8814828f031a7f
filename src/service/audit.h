#pragma once
// AuditLog: the tamper-evident record of management actions (DESIGN §2, issue 3).
//
// Every change a service makes goes through AuditLog::Write, which appends a `success` event in
// the same store transaction as the change, so the two commit or roll back together. A change
// refused with 403 (permission_denied, privilege_escalation) appends a `denied` event in a
// transaction of its own. Authentication failures (401) are not audited: they have no actor,
// and anyone could fill the log with them; the access log has them.
//
// Chain: event n carries prev_hash = hash of event n-1 (64 '0' for the first) and
// hash = SHA-256(AuditCanonicalText(event)), which covers prev_hash and every other field. A
// changed, removed or inserted event breaks the chain at that point; VerifyAuditChain finds it.
// Events never hold secrets: targets are public ids.
// Thread-safety: Write and Denied are called from the management thread (writes are serialized
// there, which keeps seq gap-free).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "service/context.h"

namespace latchkey::service {

// The text hashed for an event: every field but `hash`, in a fixed order, JSON-encoded.
std::string AuditCanonicalText(const domain::AuditEvent& event);

struct AuditChainReport {
  std::int64_t checked = 0;                  // events read
  std::optional<std::int64_t> first_broken;  // seq of the first event that does not verify
  std::string problem;                       // what is wrong with it
  bool ok() const { return !first_broken; }
};

class AuditLog {
 public:
  using Change = std::function<Status(store::Transaction&, domain::AuditEvent&)>;

  explicit AuditLog(const ServiceContext& ctx) : ctx_(ctx) {}

  // Runs `change` in one write transaction. `change` fills in the event's target, namespace
  // and details (set target and namespace before authorizing, so that a refusal records them);
  // on success the event is appended in the same transaction. A 403 from `change` is recorded
  // as a denied event.
  Status Write(const Caller& caller, std::string_view action, const Change& change);

  // A new event of `caller` doing `action` (time, actor, request id, source address).
  domain::AuditEvent Begin(const Caller& caller, std::string_view action) const;

  // Records a refusal that happened outside Write (a listing refused, say).
  void Denied(const Caller& caller, std::string_view action, std::string_view target,
              std::string_view namespace_id, const Status& why);

  // Checks the whole chain (VerifyAuditChain); the chain spans every namespace, so only a
  // superuser's unbound credential may ask.
  Result<AuditChainReport> Verify(const Caller& caller);

  // Events visible to the caller: those in namespaces where it holds audit:read; events
  // outside any namespace only for a superuser's unbound credential.
  Result<store::Page<domain::AuditEvent>> List(const Caller& caller, store::AuditFilter filter,
                                               const store::PageRequest& page);

 private:
  const ServiceContext& ctx_;
};

// True for the refusals that are audited: 403 permission_denied and privilege_escalation.
bool IsAuditedDenial(const Status& status);

// {"<name>": "<value>"} as JSON text, for an event's details.
std::string AuditDetail(std::string_view name, std::string_view value);

// Appends `event` after the current last event: sets seq, prev_hash and hash.
Status AppendAuditEvent(store::Transaction& tx, domain::AuditEvent& event);

// Reads the whole chain in seq order and checks every link and hash.
Result<AuditChainReport> VerifyAuditChain(store::Store& store);

}  // namespace latchkey::service
