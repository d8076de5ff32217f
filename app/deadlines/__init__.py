"""Working-day deadlines: each stage's target, reminders, overdue notices and escalation.

- `working_days`: the UK working-day calendar (plain Python).
- `schedule`: a stage's due date and the days its notices become due (plain Python).
- `clock`: the operations start and stop a stage's clock; the app's calendar.
- `tick`: `flask sla tick`, which writes each notice once (app.cli.sla).

docs/deadlines.md states the rules.
"""
