"""Helpers shared by the access-model end-to-end tests (issue 3): principals with a personal
access token and capabilities, whole listings across pages, a snapshot of everything the store
holds (to show that a refused call wrote nothing), and the audit log read from a sequence
number on.

Every loop here is bounded (MAX_PAGES); every call goes to the server under test on 127.0.0.1.
"""

import types

from harness import unique_name

MAX_PAGES = 100


def all_items(server, path, token=None):
    """Every item of a listing, following next_cursor (at most MAX_PAGES pages of 1000)."""
    token = token or server.admin_token
    sep = "&" if "?" in path else "?"
    items, cursor = [], None
    for _ in range(MAX_PAGES):
        url = f"{path}{sep}limit=1000" + (f"&cursor={cursor}" if cursor else "")
        resp = server.call("GET", url, token=token)
        if resp.status != 200:
            raise AssertionError(f"GET {url} answered {resp!r}")
        items.extend(resp.json["items"])
        cursor = resp.json["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError(f"GET {path}: more than {MAX_PAGES} pages")


def ids(items):
    return [item["id"] for item in items]


def user_with_pat(server, namespace=None, capabilities=(), home=None, pat_scopes=None,
                  kind="user"):
    """A principal (home `home`, else `namespace`, else the root) with, when `capabilities` is
    not empty, a group in `namespace` giving it those, and (for a user) a personal access token
    made by the admin. Returns an object with .principal, .id, .name, .group, .pat (the secret)
    and .pat_key (the key object)."""
    body = {"kind": kind}
    if home or namespace:
        body["namespace"] = home or namespace
    if kind == "user":
        body["default_key"] = False
    principal = server.create_principal(**body)
    group = None
    if capabilities:
        group = server.create_group(namespace, capabilities, members=[principal["id"]])
    pat_key = None
    if kind == "user":
        fields = {"type": "personal", "owner": principal["id"]}
        if pat_scopes is not None:
            fields["scopes"] = list(pat_scopes)
        pat_key = server.create_key(**fields)
    return types.SimpleNamespace(principal=principal, id=principal["id"],
                                 name=principal["name"], group=group,
                                 pat=pat_key["secret"] if pat_key else None, pat_key=pat_key)


# Usage, not state: written by the usage flusher whenever a credential is used.
USAGE_FIELDS = ("last_used_at", "last_used_ip")


def snapshot(server):
    """Everything the admin can list: namespaces, principals, keys (less their usage fields)
    and groups, by id. Any write (even one that only bumps updated_at) changes it."""
    return {
        "namespaces": {n["id"]: n for n in all_items(server, "/v1/namespaces")},
        "principals": {p["id"]: p for p in all_items(server, "/v1/principals")},
        "keys": {k["id"]: {f: v for f, v in k.items() if f not in USAGE_FIELDS}
                 for k in all_items(server, "/v1/keys")},
        "groups": {g["id"]: g for g in all_items(server, "/v1/groups")},
    }


def audit_events(server, token=None, **filters):
    """Every audit event visible to `token` (default: the admin), oldest first."""
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return all_items(server, "/v1/audit" + (f"?{query}" if query else ""), token=token)


def last_seq(server):
    events = audit_events(server)
    return events[-1]["seq"] if events else 0


def events_after(server, seq):
    return [e for e in audit_events(server) if e["seq"] > seq]


def named(prefix):
    return unique_name(prefix)
