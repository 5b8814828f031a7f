#pragma once
// GroupService: groups of principals with capabilities inside one namespace (DESIGN §2, §4.2).
// Reading needs groups:read and changing needs groups:write in the group's namespace; nobody
// may give a group capabilities beyond their own effective permissions there, nor add a member
// (themselves included) to a group whose capabilities they do not hold themselves
// (403 privilege_escalation, nothing written). Every change recomputes the capabilities of the
// principals it touches and publishes them to the KeyIndex before returning, so their keys'
// effective scopes change at once. Every change is audited (service/audit.h).
// Thread-safety: calls are made from the single management thread.

#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "service/audit.h"
#include "service/context.h"

namespace latchkey::service {

struct CreateGroupInput {
  std::string namespace_id;
  std::string name;
  std::optional<std::string> description;
  std::vector<std::string> capabilities;
  std::vector<std::string> members;  // principal ids
};

struct UpdateGroupInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> capabilities;
};

class GroupService {
 public:
  explicit GroupService(const ServiceContext& ctx) : ctx_(ctx), audit_(ctx) {}

  Result<domain::Group> Create(const Caller& caller, CreateGroupInput input);
  Result<domain::Group> Get(const Caller& caller, const std::string& id);
  Result<store::Page<domain::Group>> List(const Caller& caller, store::GroupFilter filter,
                                          const store::PageRequest& page);
  Result<domain::Group> Update(const Caller& caller, const std::string& id, UpdateGroupInput input);
  Status Delete(const Caller& caller, const std::string& id);
  Result<domain::Group> AddMember(const Caller& caller, const std::string& id,
                                  const std::string& principal_id);
  Result<domain::Group> RemoveMember(const Caller& caller, const std::string& id,
                                     const std::string& principal_id);

 private:
  // The group `id` for a change in `tx`: readable (else kNotFound), and the caller holds
  // groups:write in its namespace. Fills the event's target and namespace first.
  Result<domain::Group> LoadForChange(store::Transaction& tx, const Caller& caller,
                                      const std::string& id, domain::AuditEvent& event);

  // One membership change in one audited transaction: `edit` changes the group's members (or
  // refuses), returning whether anything changed; the principal's capabilities are then
  // recomputed and published.
  using MembershipEdit = std::function<Result<bool>(store::Transaction&, domain::Group&)>;
  Result<domain::Group> ChangeMembership(const Caller& caller, const std::string& id,
                                         const std::string& principal_id, std::string_view action,
                                         const MembershipEdit& edit);

  const ServiceContext& ctx_;
  AuditLog audit_;
};

// The capabilities of each of `principal_ids`, read in `tx` (the groups it is a member of).
using CapabilityUpdate = std::vector<std::pair<std::string, index::Capabilities>>;
Result<CapabilityUpdate> ReadCapabilities(store::Transaction& tx,
                                          const std::vector<std::string>& principal_ids);
void PublishCapabilities(index::KeyIndex& index, CapabilityUpdate update);

// Builds every principal's capabilities from all groups (start-up); with `members`, also tells
// which principals are in a group.
Status LoadCapabilities(store::Store& store, index::KeyIndex& index,
                        std::unordered_set<std::string>* members = nullptr);

}  // namespace latchkey::service
