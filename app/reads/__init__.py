"""The read side every face shares: the browser screens, the JSON API and the CLI.

Queries and what they give back, with no Flask request in them: a request loaded for a
person (`requests`), the approvers' queue (`queue`), the audit log's pages and the limits
of its filters (`audit_log`), the request page's contents (`request_page`) and pages of
results (`pagination`).
"""
