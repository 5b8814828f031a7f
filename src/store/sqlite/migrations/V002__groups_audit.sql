-- V002: groups with their members, and the audit log. Conventions as in V001.

CREATE TABLE groups (
  id           TEXT PRIMARY KEY NOT NULL,
  namespace_id TEXT    NOT NULL REFERENCES namespaces (id),
  name         TEXT    NOT NULL,
  description  TEXT    NOT NULL,
  capabilities TEXT    NOT NULL,  -- JSON string list
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (namespace_id, name)
) STRICT;

CREATE INDEX groups_by_namespace ON groups (namespace_id, created_at, id);
CREATE INDEX groups_by_created ON groups (created_at, id);

-- Memberships go with either side: deleting a group or a principal removes its rows here.
CREATE TABLE group_members (
  group_id     TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, principal_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX group_members_by_principal ON group_members (principal_id, group_id);

-- What the store reads: a group row with its member ids as a JSON string list (in no particular
-- order; the reader sorts them). Simple enough for SQLite to flatten into the queries on it, so
-- the indexes of `groups` serve them.
CREATE VIEW groups_with_members AS
SELECT g.id, g.namespace_id, g.name, g.description, g.capabilities, g.created_at, g.updated_at,
       (SELECT json_group_array(m.principal_id) FROM group_members AS m
         WHERE m.group_id = g.id) AS members
  FROM groups AS g;

-- The audit chain, appended to and never changed. Strings the caller leaves empty are stored as
-- '' (not NULL), so every field reads back exactly as it was hashed. No references: an event
-- outlives the namespaces, principals and keys it names.
CREATE TABLE audit_events (
  seq             INTEGER PRIMARY KEY,  -- given by the caller, not assigned here
  time            INTEGER NOT NULL,
  actor_principal TEXT    NOT NULL,
  actor_key       TEXT    NOT NULL,
  action          TEXT    NOT NULL,
  target          TEXT    NOT NULL,
  namespace_id    TEXT    NOT NULL,
  outcome         TEXT    NOT NULL,
  request_id      TEXT    NOT NULL,
  source_ip       TEXT    NOT NULL,
  details         TEXT    NOT NULL,  -- JSON object, stored as given
  prev_hash       TEXT    NOT NULL,
  hash            TEXT    NOT NULL
) STRICT;

-- Listings run in seq order, so every filter's index ends with seq.
CREATE INDEX audit_events_by_namespace ON audit_events (namespace_id, seq);
CREATE INDEX audit_events_by_actor_principal ON audit_events (actor_principal, seq);
CREATE INDEX audit_events_by_actor_key ON audit_events (actor_key, seq);
CREATE INDEX audit_events_by_target ON audit_events (target, seq);
CREATE INDEX audit_events_by_action ON audit_events (action, seq);
CREATE INDEX audit_events_by_time ON audit_events (time, seq);
