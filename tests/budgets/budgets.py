"""The statement budget of each call on the request path: how many SQL statements one
call may send, on each database, counted by tests/budgets/counting.py with an empty
session per call, as in production. A change that raises a budget says why, here.

Issue 15, 2026-12-06. Before, on SQLite (commit 5defe78):

| call         | statements | commits |    | after: statements | commits |
|--------------|-----------:|--------:|----|------------------:|--------:|
| create       |         27 |       3 |    |                15 |       2 |
| update       |         24 |       2 |    |                15 |       1 |
| submit       |         30 |       2 |    |                21 |       1 |
| decide       |         33 |       2 |    |                24 |       1 |
| api list     |         11 |       1 |    |                 7 |       0 |
| queue        |          9 |       0 |    |                 9 |       0 |
| request page |         14 |       0 |    |                14 |       0 |
| audit log    |          8 |       0 |    |                 8 |       0 |

What changed: an API token's last use is written at most once a minute, and otherwise
not at all, so a call no longer commits (and then reloads its token and person) for it
(app/api/auth.py); the commits in the middle of a call (a claimed Idempotency-Key, the
once-a-minute last use) keep the caller loaded (app.database.commit_keeping_loaded);
the request log names the caller without loading them again (app/logs.py); and an API
write appends one audit event, its operation's, which names the token that made it
(`api_token` in its payload), instead of a second `api_token_used` event: one read of the
chain's head, and on PostgreSQL one taking of its advisory lock, per write.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    #: Statements one call may send, on SQLite and on PostgreSQL.
    sqlite: int
    postgresql: int
    #: Transactions it may commit.
    commits: int = 0
    #: Statements it is known to send twice with the same parameters, and why. Anything
    #: else sent twice fails its test.
    repeats: frozenset[str] = frozenset()

    def on(self, backend: str) -> int:
        return self.postgresql if backend == "postgresql" else self.sqlite


#: The selectin loaders of a person's roles and stages run again when a query returns a
#: person already loaded (the request's requester, who is the caller).
ROLES = "FROM user_roles"
STAGES = "FROM user_stages"
#: Every page's navigation counts the requests waiting for an approver; the unfiltered
#: queue counts the same rows for its pages.
WAITING_COUNT = "SELECT count(*)"

WRITE_REPEATS: frozenset[str] = frozenset()

BUDGETS: dict[str, Budget] = {
    # Idempotency-Key: the key's claim commits first, so a repeat sees it (a 409 while the
    # first runs), then the work, its events and the key's answer commit together.
    "create": Budget(15, 16, commits=2, repeats=WRITE_REPEATS),
    "update": Budget(15, 16, commits=1, repeats=WRITE_REPEATS | {ROLES, STAGES}),
    # Writes the outbox rows for the first stage's approvers (one INSERT each: 2 here).
    "submit": Budget(21, 21, commits=1, repeats=WRITE_REPEATS | {ROLES, STAGES}),
    # The decision, the next stage's messages and the officer's (3 INSERTs here).
    "decide": Budget(24, 23, commits=1, repeats=WRITE_REPEATS),
    "api list": Budget(7, 7, repeats=frozenset({ROLES, STAGES})),
    "queue": Budget(9, 9, repeats=frozenset({WAITING_COUNT})),
    # Decided once: its decisions load their approver, with roles and stages.
    "request page": Budget(14, 14, repeats=frozenset({ROLES, STAGES})),
    "audit log": Budget(8, 8),
}
