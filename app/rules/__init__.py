"""Plain Python, with neither Flask nor the database: the rules every face applies.

`workflow` (statuses, the transition table, the `check_*` rules and their `Refusal`s),
`content` (a request's fields and their checks), `access` (who may see a request),
`roles`, `formatting` (how values read to people, on screens and in emails) and
`canonical_json` (the one JSON form that is hashed and signed).
"""
