"""Changing one's own password."""
