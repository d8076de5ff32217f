"""Business operations, one per module, each named verb_noun.

An operation checks the rules (`app.rules.workflow`), changes the rows, appends its audit
event and flushes. It never commits: the caller (a view or a command) commits once, so
the change and its audit event land together or not at all. It never reads
`flask.request`: the actor and the client are arguments.
"""
