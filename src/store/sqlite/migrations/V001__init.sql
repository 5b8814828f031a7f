-- V001: the initial schema. Conventions (docs: store/sqlite/sqlite_store.h):
--   * ids and names are TEXT; times are INTEGER milliseconds since the Unix epoch (UTC);
--   * enums are TEXT in their wire spelling (domain/model.h), validated when a row is read, so a
--     new spelling needs no table rebuild;
--   * lists and small objects are JSON TEXT in the formats of store/json_columns.h;
--   * an empty principal home namespace is stored as NULL (no reference to check).
-- Listings page through (created_at, id); every filterable reference has an index that starts
-- with it and ends with (created_at, id), which also serves the foreign-key checks on delete.

CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT;

CREATE TABLE settings (
  name  TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE namespaces (
  id         TEXT PRIMARY KEY NOT NULL,
  name       TEXT    NOT NULL,
  kind       TEXT    NOT NULL,
  parent_id  TEXT    REFERENCES namespaces (id),
  settings   TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Names are unique among siblings; top-level namespaces (NULL parent) count as siblings too,
-- which a plain UNIQUE (parent_id, name) would not enforce since NULLs compare distinct.
CREATE UNIQUE INDEX namespaces_by_parent_and_name ON namespaces (coalesce(parent_id, ''), name);
CREATE INDEX namespaces_by_parent ON namespaces (parent_id, created_at, id);
CREATE INDEX namespaces_by_created ON namespaces (created_at, id);

CREATE TABLE principals (
  id           TEXT PRIMARY KEY NOT NULL,
  name         TEXT    NOT NULL UNIQUE,
  kind         TEXT    NOT NULL,
  email        TEXT,
  status       TEXT    NOT NULL,
  namespace_id TEXT    REFERENCES namespaces (id),
  superuser    INTEGER NOT NULL CHECK (superuser IN (0, 1)),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX principals_by_namespace ON principals (namespace_id, created_at, id);
CREATE INDEX principals_by_created ON principals (created_at, id);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY NOT NULL,
  name         TEXT    NOT NULL,
  description  TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  owner_id     TEXT    NOT NULL REFERENCES principals (id),
  namespace_id TEXT    REFERENCES namespaces (id),  -- NULL for personal keys
  scopes       TEXT    NOT NULL,                    -- JSON string list
  resources    TEXT    NOT NULL,                    -- JSON string list
  data_access  TEXT    NOT NULL,
  origins      TEXT    NOT NULL,                    -- JSON object
  allowed_ips  TEXT    NOT NULL,                    -- JSON string list of CIDRs
  expires_at   INTEGER,
  rate_limit   TEXT,                                -- JSON object or NULL
  quota        TEXT,                                -- JSON object or NULL
  meta         TEXT    NOT NULL,                    -- JSON object, stored as given
  prefix       TEXT    NOT NULL,
  hint         TEXT    NOT NULL,
  digest       BLOB    NOT NULL CHECK (length(digest) = 32),  -- HMAC-SHA-256, never the secret
  status       TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  created_by   TEXT    NOT NULL,                    -- no reference: the creator may be deleted
  updated_at   INTEGER NOT NULL,
  revoked_at   INTEGER,
  last_used_at INTEGER,
  last_used_ip TEXT,
  UNIQUE (owner_id, name)
) STRICT;

CREATE INDEX api_keys_by_owner ON api_keys (owner_id, created_at, id);
CREATE INDEX api_keys_by_namespace ON api_keys (namespace_id, created_at, id);
CREATE INDEX api_keys_by_created ON api_keys (created_at, id);
