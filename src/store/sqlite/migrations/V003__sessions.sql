-- V003: console passwords and sessions (docs/console.md). Conventions as in V001.

-- A user's console password, as its Argon2id string (libsodium crypto_pwhash_str: algorithm,
-- parameters, salt and hash). Kept apart from `principals` so that no principal read ever
-- carries it; it goes with its principal.
CREATE TABLE principal_passwords (
  principal_id TEXT PRIMARY KEY NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  hash         TEXT    NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- What the store reads for a principal: its row and whether it has a password. Simple enough
-- for SQLite to flatten into the queries on it, so the indexes of `principals` serve them.
CREATE VIEW principals_with_password AS
SELECT p.id, p.name, p.kind, p.email, p.status, p.namespace_id, p.superuser, p.created_at,
       p.updated_at,
       EXISTS (SELECT 1 FROM principal_passwords AS w WHERE w.principal_id = p.id) AS has_password
  FROM principals AS p;

-- Sign-in by email (the name is UNIQUE already).
CREATE INDEX principals_by_email ON principals (email);

-- Signed-in console sessions. The cookie's secret is never stored: only its HMAC-SHA-256 under
-- the pepper, as for keys. A session goes with its principal.
CREATE TABLE sessions (
  id           TEXT PRIMARY KEY NOT NULL,
  digest       BLOB    NOT NULL UNIQUE CHECK (length(digest) = 32),
  principal_id TEXT    NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_principal ON sessions (principal_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
