"""The audit trail: event types, the hash chain and its verification."""
