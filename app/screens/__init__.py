"""The browser's screens: one blueprint per audience, each behind its guard, none
importing another (docs/architecture.md). What two of them need is in app.reads (what
they read) or app.web (how a screen works).
"""
