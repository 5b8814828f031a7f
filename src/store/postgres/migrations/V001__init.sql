-- V001: the whole schema of SQLite's V001..V003 in PostgreSQL types. Conventions
-- (docs: store/postgres/postgres_store.h):
--   * ids, names and other strings are TEXT; every column that listings order or compare by
--     (ids, names, actions) uses the "C" collation, so order and prefix ranges are byte order
--     whatever the database's locale, exactly as in SQLite and in store/page_cursor.h;
--   * times are BIGINT milliseconds since the Unix epoch (UTC); digests are BYTEA of 32 bytes;
--   * enums are TEXT in their wire spelling (domain/model.h), validated when a row is read;
--   * lists and small objects are JSONB in the formats of store/json_columns.h (the reader
--     decodes them, so JSONB's normalised spacing and member order do not matter); the JSON that
--     must come back byte for byte (key meta, audit details: hashed into the audit chain) is TEXT;
--   * an empty principal home namespace is stored as NULL (no reference to check).
-- Constraints are named, because the store maps a violated constraint's name to its message.
-- Listings page through (created_at, id); every filterable reference has an index that starts
-- with it and ends with (created_at, id), which also serves the foreign-key checks on delete.

CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at BIGINT  NOT NULL
);

CREATE TABLE settings (
  name  TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE namespaces (
  id         TEXT COLLATE "C" NOT NULL,
  name       TEXT COLLATE "C" NOT NULL,
  kind       TEXT   NOT NULL,
  parent_id  TEXT COLLATE "C",
  settings   JSONB  NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT namespaces_pkey PRIMARY KEY (id),
  CONSTRAINT namespaces_parent_fkey FOREIGN KEY (parent_id) REFERENCES namespaces (id)
);

-- Names are unique among siblings; top-level namespaces (NULL parent) count as siblings too,
-- which a plain UNIQUE (parent_id, name) would not enforce since NULLs compare distinct.
CREATE UNIQUE INDEX namespaces_name_key ON namespaces ((coalesce(parent_id, '')), name);
CREATE INDEX namespaces_by_parent ON namespaces (parent_id, created_at, id);
CREATE INDEX namespaces_by_created ON namespaces (created_at, id);

CREATE TABLE principals (
  id           TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  kind         TEXT    NOT NULL,
  email        TEXT COLLATE "C",
  status       TEXT    NOT NULL,
  namespace_id TEXT COLLATE "C",
  superuser    BOOLEAN NOT NULL,
  created_at   BIGINT  NOT NULL,
  updated_at   BIGINT  NOT NULL,
  CONSTRAINT principals_pkey PRIMARY KEY (id),
  CONSTRAINT principals_name_key UNIQUE (name),
  CONSTRAINT principals_namespace_fkey FOREIGN KEY (namespace_id) REFERENCES namespaces (id)
);

CREATE INDEX principals_by_namespace ON principals (namespace_id, created_at, id);
CREATE INDEX principals_by_created ON principals (created_at, id);
CREATE INDEX principals_by_email ON principals (email);

CREATE TABLE api_keys (
  id           TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  description  TEXT   NOT NULL,
  type         TEXT   NOT NULL,
  owner_id     TEXT COLLATE "C" NOT NULL,
  namespace_id TEXT COLLATE "C",                  -- NULL for personal keys
  scopes       JSONB  NOT NULL,                   -- string list
  resources    JSONB  NOT NULL,                   -- string list
  data_access  TEXT   NOT NULL,
  origins      JSONB  NOT NULL,
  allowed_ips  JSONB  NOT NULL,                   -- string list of CIDRs
  expires_at   BIGINT,
  rate_limit   JSONB,
  quota        JSONB,
  meta         TEXT   NOT NULL,                   -- a JSON object, stored as given
  prefix       TEXT   NOT NULL,
  hint         TEXT   NOT NULL,
  digest       BYTEA  NOT NULL CHECK (length(digest) = 32),  -- HMAC-SHA-256, never the secret
  status       TEXT   NOT NULL,
  created_at   BIGINT NOT NULL,
  created_by   TEXT   NOT NULL,                   -- no reference: the creator may be deleted
  updated_at   BIGINT NOT NULL,
  revoked_at   BIGINT,
  last_used_at BIGINT,
  last_used_ip TEXT,
  CONSTRAINT api_keys_pkey PRIMARY KEY (id),
  CONSTRAINT api_keys_name_key UNIQUE (owner_id, name),
  CONSTRAINT api_keys_owner_fkey FOREIGN KEY (owner_id) REFERENCES principals (id),
  CONSTRAINT api_keys_namespace_fkey FOREIGN KEY (namespace_id) REFERENCES namespaces (id)
);

CREATE INDEX api_keys_by_owner ON api_keys (owner_id, created_at, id);
CREATE INDEX api_keys_by_namespace ON api_keys (namespace_id, created_at, id);
CREATE INDEX api_keys_by_created ON api_keys (created_at, id);

CREATE TABLE groups (
  id           TEXT COLLATE "C" NOT NULL,
  namespace_id TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  description  TEXT   NOT NULL,
  capabilities JSONB  NOT NULL,  -- string list, stored as given
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  CONSTRAINT groups_pkey PRIMARY KEY (id),
  CONSTRAINT groups_name_key UNIQUE (namespace_id, name),
  CONSTRAINT groups_namespace_fkey FOREIGN KEY (namespace_id) REFERENCES namespaces (id)
);

CREATE INDEX groups_by_namespace ON groups (namespace_id, created_at, id);
CREATE INDEX groups_by_created ON groups (created_at, id);

-- Memberships go with either side: deleting a group or a principal removes its rows here.
CREATE TABLE group_members (
  group_id     TEXT COLLATE "C" NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  principal_id TEXT COLLATE "C" NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  CONSTRAINT group_members_pkey PRIMARY KEY (group_id, principal_id)
);

CREATE INDEX group_members_by_principal ON group_members (principal_id, group_id);

-- What the store reads: a group row with its member ids as a JSON string list (the reader sorts
-- them in byte order).
CREATE VIEW groups_with_members AS
SELECT g.id, g.namespace_id, g.name, g.description, g.capabilities, g.created_at, g.updated_at,
       coalesce((SELECT jsonb_agg(m.principal_id) FROM group_members AS m
                  WHERE m.group_id = g.id), '[]'::jsonb) AS members
  FROM groups AS g;

-- The audit chain, appended to and never changed. Empty strings are stored as '' (not NULL), so
-- every field reads back exactly as it was hashed. No references: an event outlives the
-- namespaces, principals and keys it names.
CREATE TABLE audit_events (
  seq             BIGINT NOT NULL,  -- given by the caller, not assigned here
  time            BIGINT NOT NULL,
  actor_principal TEXT COLLATE "C" NOT NULL,
  actor_key       TEXT COLLATE "C" NOT NULL,
  action          TEXT COLLATE "C" NOT NULL,
  target          TEXT COLLATE "C" NOT NULL,
  namespace_id    TEXT COLLATE "C" NOT NULL,
  outcome         TEXT   NOT NULL,
  request_id      TEXT   NOT NULL,
  source_ip       TEXT   NOT NULL,
  details         TEXT   NOT NULL,  -- a JSON object, stored as given (it is hashed)
  prev_hash       TEXT   NOT NULL,
  hash            TEXT   NOT NULL,
  CONSTRAINT audit_events_pkey PRIMARY KEY (seq)
);

-- Listings run in seq order, so every filter's index ends with seq.
CREATE INDEX audit_events_by_namespace ON audit_events (namespace_id, seq);
CREATE INDEX audit_events_by_actor_principal ON audit_events (actor_principal, seq);
CREATE INDEX audit_events_by_actor_key ON audit_events (actor_key, seq);
CREATE INDEX audit_events_by_target ON audit_events (target, seq);
CREATE INDEX audit_events_by_action ON audit_events (action, seq);
CREATE INDEX audit_events_by_time ON audit_events (time, seq);

-- A user's console password, as its Argon2id string. Kept apart from `principals` so that no
-- principal read ever carries it; it goes with its principal.
CREATE TABLE principal_passwords (
  principal_id TEXT COLLATE "C" PRIMARY KEY REFERENCES principals (id) ON DELETE CASCADE,
  hash         TEXT   NOT NULL,
  updated_at   BIGINT NOT NULL
);

-- What the store reads for a principal: its row and whether it has a password.
CREATE VIEW principals_with_password AS
SELECT p.id, p.name, p.kind, p.email, p.status, p.namespace_id, p.superuser, p.created_at,
       p.updated_at,
       EXISTS (SELECT 1 FROM principal_passwords AS w WHERE w.principal_id = p.id) AS has_password
  FROM principals AS p;

-- Signed-in console sessions, found by the HMAC-SHA-256 of the cookie's secret (never the
-- secret). A session goes with its principal.
CREATE TABLE sessions (
  id           TEXT COLLATE "C" NOT NULL,
  digest       BYTEA  NOT NULL CHECK (length(digest) = 32),
  principal_id TEXT COLLATE "C" NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  CONSTRAINT sessions_pkey PRIMARY KEY (id),
  CONSTRAINT sessions_digest_key UNIQUE (digest),
  CONSTRAINT sessions_principal_fkey FOREIGN KEY (principal_id) REFERENCES principals (id)
    ON DELETE CASCADE
);

CREATE INDEX sessions_by_principal ON sessions (principal_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
