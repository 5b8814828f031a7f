#pragma once
// The messages of kConflict errors, shared by the backends: a write that breaks a uniqueness or
// reference rule is refused with a message naming what clashed ("a key named 'x' already exists
// for this owner"), phrased from the row being written and the kind of rule it broke (each
// backend finds the kind its own way: SQLite's extended result codes, PostgreSQL's constraint
// names). Messages quote ids and names, never digests or other values.
//
// The returned functions hold a reference to their row: call them while it lives.

#include <functional>
#include <string>

#include "domain/model.h"

namespace latchkey::store {

// The uniqueness or reference rule that a write broke.
enum class Constraint { kPrimaryKey, kUnique, kForeignKey };

using ConflictMessage = std::function<std::string(Constraint)>;

ConflictMessage NamespaceConflict(const domain::Namespace& ns);
ConflictMessage PrincipalConflict(const domain::Principal& p);
ConflictMessage KeyConflict(const domain::ApiKey& key);
ConflictMessage GroupConflict(const domain::Group& group);
ConflictMessage AuditEventConflict(const domain::AuditEvent& event);
ConflictMessage SessionConflict(const domain::Session& session);

}  // namespace latchkey::store
