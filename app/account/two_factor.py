"""Setting up and managing one's own second factor (TOTP)."""
