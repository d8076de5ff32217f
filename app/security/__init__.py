"""The security mechanisms, as plain modules that take the database session but no
request: password hashing (`passwords`), password rules (`password_policy`), one-time
set-password links (`password_links`), lockout, the second factor (`two_factor`),
server-side sessions (`user_sessions`) and API tokens (`api_tokens`). Their web glue
(the cookie, Flask-Login, rate limits) is in app.web; the controls and the ASVS
requirements they meet are in docs/security.md.
"""
