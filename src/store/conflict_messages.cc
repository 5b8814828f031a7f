#include "store/conflict_messages.h"

#include <string_view>

namespace latchkey::store {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

ConflictMessage NamespaceConflict(const domain::Namespace& ns) {
  return [&ns](Constraint c) -> std::string {
    switch (c) {
      case Constraint::kPrimaryKey:
        return "a namespace with id " + Quoted(ns.id) + " already exists";
      case Constraint::kUnique:
        return "a namespace named " + Quoted(ns.name) + " already exists " +
               (ns.parent_id ? "under parent " + Quoted(*ns.parent_id) : "at the top level");
      case Constraint::kForeignKey:
        return "parent namespace " + Quoted(ns.parent_id.value_or("")) + " does not exist";
    }
    return "namespace conflict";
  };
}

ConflictMessage PrincipalConflict(const domain::Principal& p) {
  return [&p](Constraint c) -> std::string {
    switch (c) {
      case Constraint::kPrimaryKey:
        return "a principal with id " + Quoted(p.id) + " already exists";
      case Constraint::kUnique:
        return "a principal named " + Quoted(p.name) + " already exists";
      case Constraint::kForeignKey:
        return "namespace " + Quoted(p.namespace_id) + " does not exist";
    }
    return "principal conflict";
  };
}

ConflictMessage KeyConflict(const domain::ApiKey& key) {
  return [&key](Constraint c) -> std::string {
    switch (c) {
      case Constraint::kPrimaryKey:
        return "a key with id " + Quoted(key.id) + " already exists";
      case Constraint::kUnique:
        return "a key named " + Quoted(key.name) + " already exists for this owner";
      case Constraint::kForeignKey:
        return "the key's owner " + Quoted(key.owner_id) +
               (key.namespace_id ? " or namespace " + Quoted(*key.namespace_id) : "") +
               " does not exist";
    }
    return "key conflict";
  };
}

ConflictMessage GroupConflict(const domain::Group& group) {
  return [&group](Constraint c) -> std::string {
    switch (c) {
      case Constraint::kPrimaryKey:
        return "a group with id " + Quoted(group.id) + " already exists";
      case Constraint::kUnique:
        return "a group named " + Quoted(group.name) + " already exists in this namespace";
      case Constraint::kForeignKey:
        return "namespace " + Quoted(group.namespace_id) + " does not exist";
    }
    return "group conflict";
  };
}

ConflictMessage AuditEventConflict(const domain::AuditEvent& event) {
  return [&event](Constraint c) -> std::string {
    if (c == Constraint::kPrimaryKey) {
      return "audit event " + std::to_string(event.seq) + " already exists";
    }
    return "audit event conflict";
  };
}

ConflictMessage SessionConflict(const domain::Session& session) {
  return [&session](Constraint c) -> std::string {
    switch (c) {
      case Constraint::kPrimaryKey:
        return "a session with id " + Quoted(session.id) + " already exists";
      case Constraint::kUnique:
        return "a session with this digest already exists";
      case Constraint::kForeignKey:
        return "the session's principal " + Quoted(session.principal_id) + " does not exist";
    }
    return "session conflict";
  };
}

}  // namespace latchkey::store
