-- V002: the change log that carries a change made through one node to every other node's
-- verification index (DESIGN §7, docs/operations.md "Several nodes").
--
-- Every write that changes what verification reads (a namespace, a principal, a key, or the
-- capabilities of a principal through a group) appends one row per changed entity in the same
-- transaction, and notifies channel latchkey_changes at commit. Nodes read the rows after the
-- last seq they applied and reload each named entity from its table, so a row says only what
-- changed, never how: applying it twice, or out of date, converges on the stored state.
--
-- seq is monotonic in commit order: every Write holds the cluster-wide advisory lock from
-- before its first insert here until after it commits, so a seq is never committed after a
-- higher one is visible. Rolled-back writes leave gaps, which mean nothing.
-- Rows older than a day are pruned by the nodes; the highest seq pruned is kept in settings
-- ('change_log_pruned_through') so a node that was away longer reloads everything instead.
CREATE TABLE change_log (
  seq        BIGSERIAL PRIMARY KEY,
  kind       TEXT COLLATE "C" NOT NULL
             CHECK (kind IN ('namespace', 'principal', 'key', 'capabilities')),
  entity_id  TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE INDEX change_log_created_at ON change_log (created_at);
