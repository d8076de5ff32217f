"""The statement budget of each call on the request path: how many SQL statements one
call may send, on each database, counted by tests/budgets/counting.py with an empty
session per call, as in production. A change that raises a budget says why, here.

Issue 15. Statements on SQLite / PostgreSQL (PostgreSQL's `BEGIN` and `COMMIT` not
counted; SQLite's `BEGIN IMMEDIATE` not counted either), and commits:

| call         | before 5defe78 | 89b08d0 | 2026-12-07 | issue 16 | after 18 | late 12-07 | commits
| ------------ | -------------: | ------: | ---------: | -------: | -------: | ---------: | -------
| create       |          27/29 |   15/16 |        8/9 |      8/9 |      8/9 |        8/9 | 3 → 2
| update       |          24/26 |   15/16 |        7/8 |      7/8 |      7/8 |        7/8 | 2 → 1
| submit       |          30/34 |   21/21 |      12/12 |    15/15 |    15/15 |      15/15 | 2 → 1
| decide       |          33/39 |   24/23 |      13/12 |    16/15 |    15/14 |      13/12 | 2 → 1
| api list     |          11/11 |     7/7 |        2/2 |      2/2 |      2/2 |        2/2 | 1 → 0
| queue        |            9/9 |     9/9 |        5/5 |      6/6 |      6/6 |        4/4 | 0
| request page |          14/15 |   14/14 |        6/6 |      9/9 |      8/8 |        6/6 | 0
| audit log    |            8/8 |     8/8 |        5/5 |      5/5 |      5/5 |        3/3 | 0

What changed on 2026-12-06 (89b08d0, 3a94e22): an API token's last use is written at most
once a minute, and otherwise not at all, so a call no longer commits (and then reloads its
token and person) for it (app/api/auth.py); the commits in the middle of a call (a claimed
Idempotency-Key, the once-a-minute last use) keep the caller loaded
(app.database.commit_keeping_loaded); the request log names the caller without loading
them again (app/web/logs.py); and an API write appends one audit event, its operation's,
which names the token that made it (`api_token` in its payload), instead of a second
`api_token_used` event.

What changed on 2026-12-07:
- Whoever calls is read in one statement: the API token or the signed-in session with
  the person, their department, roles and stages joined (app.models.users
  .with_roles_and_stages), instead of one statement and two selectin loads.
- A person's roles and stages, and a platform's pipeline, are read when asked for, not
  with every person or request loaded: a list of 50 requests no longer reads its
  requesters' roles, nor a request page its approvers'.
- A write reads its request locked in the first place (`load_request(for_update=True)`),
  instead of reading it, locking it and reading it all again.
- A reference is one statement (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), not
  three; a new draft knows it has no revisions or decisions without asking.
- The people a message goes to come with their roles and stages in one statement; a
  decision's change to its request is one UPDATE (no flush half-way).
- The unfiltered queue's total is the navigation's count: counted once.

Issue 16 (versioned pipelines with quorum rules, and delegation) raised four, each by a
fixed count, whatever the number of stages or people:
- submit, decide and the request page read the request's pipeline version, its stages and
  their named sets (three statements: the version, then its stages and their people each
  selectin-loaded once), where the platform's stages alone were one or none before: the
  quorum of the stage deciding, and the targets, are the version's, not the platform's.
- submit and decide ask once who covers today for the people a message goes to (one
  statement over `delegations`): a delegate hears what the absent approver would.
- the queue asks once whom the approver covers for today, so that those requests are
  listed too (the same query on the request page is for approvers only: the budget's
  request page is an officer's).

Issue 17 (approved accounts) added two pages, each a fixed count whatever the number of
accounts: an approved request's page and the register (their reasons are beside their
budgets below). The final approval writes the account and a row per approval with
conditions; the budget's decide is Security's, which writes neither.

After issue 18 (2026-12-07, issue 15 again): a request is read with its pipeline version
joined (`app.reads.requests.load_request`; many-to-one, so one row still), one statement
fewer for decide and every request page, whose stages are the version's. Submit reads a
draft, which has no version yet (it takes the platform's), so it is unchanged.

Late on 2026-12-07 (issue 15 again): the filter panels' departments and
platforms, and the audit log's stage names, are one statement
(`app.reads.reference_lists`, a UNION ALL of the three tables) where they were two or
three; the queue's page of rows carries the count of all of them (`count(*) OVER ()`),
where a COUNT of its own scanned them again; a request is read with its pipeline
version's stages and their named sets joined (`load_request`: a row per stage and named
approver, a handful), where they were two selectin loads (decide and the request page two
fewer); and a request read for a page says whether its approval had conditions in the
same statement (the approved request page: 10 → 7).

On PostgreSQL the outbox rows of one write go in one INSERT (SQLAlchemy's
insertmanyvalues); SQLite gets one INSERT each, which is why submit and decide differ.
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


WRITE_REPEATS: frozenset[str] = frozenset()

BUDGETS: dict[str, Budget] = {
    # Idempotency-Key: the key's claim commits first, so a repeat sees it (a 409 while the
    # first runs), then the work, its events and the key's answer commit together.
    "create": Budget(8, 9, commits=2, repeats=WRITE_REPEATS),
    "update": Budget(7, 8, commits=1, repeats=WRITE_REPEATS),
    # Writes the outbox rows for the first stage's approvers (one INSERT each on SQLite).
    "submit": Budget(15, 15, commits=1, repeats=WRITE_REPEATS),
    # The decision, the next stage's messages and the officer's.
    "decide": Budget(13, 12, commits=1, repeats=WRITE_REPEATS),
    "api list": Budget(2, 2),
    # The caller, the filter lists, whom they cover for, a page of rows with their count.
    "queue": Budget(4, 4),
    "request page": Budget(6, 6),
    # The caller, the filter lists with the stage names, a page of events.
    "audit log": Budget(3, 3),
    # Issue 17: an approved request's page reads what every request page reads (6) and its
    # account with its conditions and changes joined (1; a change's decisions are one more
    # once there are any). Whether its approval had conditions (the status tag) comes with
    # the request (an EXISTS in its statement), where it was one more. The account's
    # relationships alone would take three.
    "approved request page": Budget(7, 7),
    # The caller, the filter's departments and platforms (one statement), the count, a
    # page of accounts with their requests, departments and platforms joined, and their
    # conditions.
    "register": Budget(5, 5),
}
