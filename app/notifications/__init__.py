"""Telling people when they are needed: who hears what (rules), what it says
(messages), and the outbox that delivers it (outbox, channels)."""
