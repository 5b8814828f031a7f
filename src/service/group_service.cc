#include "service/group_service.h"

#include <algorithm>
#include <map>

#include "crypto/random.h"
#include "domain/permission.h"
#include "service/validation.h"

namespace latchkey::service {
namespace {

using domain::Group;

Status GroupNotFound(const std::string& id) { return NotFound("no group " + id.substr(0, 64)); }

Result<Group> LoadGroup(store::Transaction& tx, const std::string& id) {
  auto found = tx.GetGroup(id);
  if (!found.ok() && found.status().code() == ErrorCode::kNotFound) return GroupNotFound(id);
  return found;
}

// A principal the caller may name as a member: itself, or one it may read (others look
// unknown, so that group membership is no oracle for another tenant's ids).
bool CanSeePrincipal(const AccessPolicy& policy, const Caller& caller, const domain::Principal& p) {
  return p.id == caller.principal_id ||
         policy.Authorize(caller, "principals:read", p.namespace_id).ok();
}

Status CheckMembers(store::Transaction& tx, const AccessPolicy& policy, const Caller& caller,
                    const std::vector<std::string>& members) {
  for (const auto& id : members) {
    auto p = tx.GetPrincipal(id);
    if (!p.ok() || !CanSeePrincipal(policy, caller, *p)) {
      return InvalidField("members", "no principal " + id.substr(0, 64));
    }
  }
  return Status::Ok();
}

std::vector<std::string> SortedUnique(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Capabilities per namespace from a set of groups.
index::Capabilities FromGroups(const std::vector<Group>& groups) {
  std::map<std::string, std::vector<std::vector<std::string>>> lists;
  for (const auto& g : groups) lists[g.namespace_id].push_back(g.capabilities);
  index::Capabilities caps;
  for (auto& [ns, all] : lists) {
    auto merged = domain::Union(all);
    if (!merged.empty()) caps.by_namespace.emplace_back(ns, std::move(merged));
  }
  return caps;
}

}  // namespace

Result<CapabilityUpdate> ReadCapabilities(store::Transaction& tx,
                                          const std::vector<std::string>& principal_ids) {
  CapabilityUpdate update;
  for (const auto& id : SortedUnique(principal_ids)) {
    std::vector<Group> groups;
    store::PageRequest page{.cursor = "", .limit = 1000};
    do {
      LK_ASSIGN_OR_RETURN(auto batch, tx.ListGroups({.member_id = id}, page));
      groups.insert(groups.end(), batch.items.begin(), batch.items.end());
      page.cursor = batch.next_cursor;
    } while (!page.cursor.empty());
    update.emplace_back(id, FromGroups(groups));
  }
  return update;
}

void PublishCapabilities(index::KeyIndex& index, CapabilityUpdate update) {
  for (auto& [id, caps] : update) index.SetCapabilities(id, std::move(caps));
}

Status LoadCapabilities(store::Store& store, index::KeyIndex& index,
                        std::unordered_set<std::string>* members) {
  std::map<std::string, std::vector<Group>> by_member;
  LK_RETURN_IF_ERROR(store.ForEachGroup([&](const Group& g) {
    for (const auto& member : g.members) by_member[member].push_back(g);
    return Status::Ok();
  }));
  for (const auto& [member, groups] : by_member) {
    index.SetCapabilities(member, FromGroups(groups));
    if (members) members->insert(member);
  }
  return Status::Ok();
}

Result<Group> GroupService::LoadForChange(store::Transaction& tx, const Caller& caller,
                                          const std::string& id, domain::AuditEvent& event) {
  event.target = id;
  LK_ASSIGN_OR_RETURN(Group group, LoadGroup(tx, id));
  // A group the caller may not see looks like a missing one: no names leak across tenants.
  if (!ctx_.policy.Authorize(caller, "groups:read", group.namespace_id).ok()) {
    return GroupNotFound(id);
  }
  event.namespace_id = group.namespace_id;
  LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "groups:write", group.namespace_id));
  return group;
}

Result<Group> GroupService::Create(const Caller& caller, CreateGroupInput input) {
  LK_RETURN_IF_ERROR(CheckName("name", input.name));
  if (input.description) {
    LK_RETURN_IF_ERROR(CheckText("description", *input.description, kMaxDescriptionLength));
  }
  LK_ASSIGN_OR_RETURN(input.capabilities,
                      domain::NormalizeScopes(input.capabilities, "capabilities"));
  if (input.members.size() > 1000) return InvalidField("members", "at most 1000 members");
  Group group;
  CapabilityUpdate update;
  LK_RETURN_IF_ERROR(audit_.Write(caller, "groups.create", [&](auto& tx, auto& event) -> Status {
    event.namespace_id = input.namespace_id;
    LK_RETURN_IF_ERROR(ctx_.policy.Authorize(caller, "groups:write", input.namespace_id));
    LK_RETURN_IF_ERROR(
        ctx_.policy.CheckGrant(caller, input.capabilities, input.namespace_id, "capability"));
    if (!tx.GetNamespace(input.namespace_id).ok()) {
      return InvalidField("namespace", "no namespace " + input.namespace_id.substr(0, 64));
    }
    LK_RETURN_IF_ERROR(CheckMembers(tx, ctx_.policy, caller, input.members));
    group.id = crypto::NewId("grp", ctx_.random);
    group.namespace_id = input.namespace_id;
    group.name = input.name;
    group.description = input.description.value_or("");
    group.capabilities = input.capabilities;
    group.members = SortedUnique(input.members);
    group.created_at = group.updated_at = ctx_.clock.NowMillis();
    event.target = group.id;
    LK_RETURN_IF_ERROR(tx.InsertGroup(group));
    LK_ASSIGN_OR_RETURN(update, ReadCapabilities(tx, group.members));
    return Status::Ok();
  }));
  PublishCapabilities(ctx_.index, std::move(update));
  return group;
}

Result<Group> GroupService::Get(const Caller& caller, const std::string& id) {
  Group group;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(group, LoadGroup(tx, id));
    return Status::Ok();
  }));
  // A group the caller may not see looks like a missing one: no names leak across tenants.
  if (!ctx_.policy.Authorize(caller, "groups:read", group.namespace_id).ok()) {
    return GroupNotFound(id);
  }
  return group;
}

Result<store::Page<Group>> GroupService::List(const Caller& caller, store::GroupFilter filter,
                                              const store::PageRequest& page) {
  if (filter.namespace_id) {
    Status allowed = ctx_.policy.Authorize(caller, "groups:read", *filter.namespace_id);
    if (!allowed.ok()) {
      audit_.Denied(caller, "groups.list", "", *filter.namespace_id, allowed);
      return allowed;
    }
  } else if (auto visible = ctx_.policy.NamespacesWith(caller, "groups:read")) {
    filter.namespace_ids = std::move(*visible);
  }
  store::Page<Group> result;
  LK_RETURN_IF_ERROR(ctx_.store.Read([&](store::Transaction& tx) -> Status {
    LK_ASSIGN_OR_RETURN(result, tx.ListGroups(filter, page));
    return Status::Ok();
  }));
  return result;
}

Result<Group> GroupService::Update(const Caller& caller, const std::string& id,
                                   UpdateGroupInput input) {
  if (input.name) LK_RETURN_IF_ERROR(CheckName("name", *input.name));
  if (input.description) {
    LK_RETURN_IF_ERROR(CheckText("description", *input.description, kMaxDescriptionLength));
  }
  if (input.capabilities) {
    LK_ASSIGN_OR_RETURN(input.capabilities,
                        domain::NormalizeScopes(*input.capabilities, "capabilities"));
  }
  Group group;
  CapabilityUpdate update;
  LK_RETURN_IF_ERROR(audit_.Write(caller, "groups.update", [&](auto& tx, auto& event) -> Status {
    LK_ASSIGN_OR_RETURN(group, LoadForChange(tx, caller, id, event));
    if (input.capabilities) {
      LK_RETURN_IF_ERROR(
          ctx_.policy.CheckGrant(caller, *input.capabilities, group.namespace_id, "capability"));
      group.capabilities = *input.capabilities;
    }
    if (input.name) group.name = *input.name;
    if (input.description) group.description = *input.description;
    group.updated_at = ctx_.clock.NowMillis();
    LK_RETURN_IF_ERROR(tx.UpdateGroup(group));
    if (input.capabilities) {
      LK_ASSIGN_OR_RETURN(update, ReadCapabilities(tx, group.members));
    }
    return Status::Ok();
  }));
  PublishCapabilities(ctx_.index, std::move(update));
  return group;
}

Status GroupService::Delete(const Caller& caller, const std::string& id) {
  CapabilityUpdate update;
  LK_RETURN_IF_ERROR(audit_.Write(caller, "groups.delete", [&](auto& tx, auto& event) -> Status {
    LK_ASSIGN_OR_RETURN(Group group, LoadForChange(tx, caller, id, event));
    LK_RETURN_IF_ERROR(tx.DeleteGroup(id));
    LK_ASSIGN_OR_RETURN(update, ReadCapabilities(tx, group.members));
    return Status::Ok();
  }));
  PublishCapabilities(ctx_.index, std::move(update));
  return Status::Ok();
}

Result<Group> GroupService::ChangeMembership(const Caller& caller, const std::string& id,
                                             const std::string& principal_id,
                                             std::string_view action, const MembershipEdit& edit) {
  Group group;
  CapabilityUpdate update;
  LK_RETURN_IF_ERROR(audit_.Write(caller, action, [&](auto& tx, auto& event) -> Status {
    event.details_json = AuditDetail("principal", principal_id.substr(0, 64));
    LK_ASSIGN_OR_RETURN(group, LoadForChange(tx, caller, id, event));
    LK_ASSIGN_OR_RETURN(bool changed, edit(tx, group));
    if (!changed) return Status::Ok();
    group.updated_at = ctx_.clock.NowMillis();
    LK_RETURN_IF_ERROR(tx.UpdateGroup(group));
    LK_ASSIGN_OR_RETURN(update, ReadCapabilities(tx, {principal_id}));
    return Status::Ok();
  }));
  PublishCapabilities(ctx_.index, std::move(update));
  return group;
}

Result<Group> GroupService::AddMember(const Caller& caller, const std::string& id,
                                      const std::string& principal_id) {
  return ChangeMembership(
      caller, id, principal_id, "groups.add_member",
      [&](store::Transaction& tx, Group& group) -> Result<bool> {
        // Adding a member hands it the group's capabilities: the caller must hold them.
        LK_RETURN_IF_ERROR(ctx_.policy.CheckGrant(caller, group.capabilities, group.namespace_id,
                                                  "the group's capability"));
        auto member = tx.GetPrincipal(principal_id);
        if (!member.ok() || !CanSeePrincipal(ctx_.policy, caller, *member)) {
          return NotFound("no principal " + principal_id.substr(0, 64));
        }
        if (std::binary_search(group.members.begin(), group.members.end(), principal_id)) {
          return false;  // already a member: PUT is idempotent
        }
        group.members.push_back(principal_id);
        group.members = SortedUnique(std::move(group.members));
        return true;
      });
}

Result<Group> GroupService::RemoveMember(const Caller& caller, const std::string& id,
                                         const std::string& principal_id) {
  return ChangeMembership(
      caller, id, principal_id, "groups.remove_member",
      [&](store::Transaction&, Group& group) -> Result<bool> {
        auto it = std::find(group.members.begin(), group.members.end(), principal_id);
        if (it == group.members.end()) {
          return NotFound("principal " + principal_id.substr(0, 64) + " is not a member");
        }
        group.members.erase(it);
        return true;
      });
}

}  // namespace latchkey::service
