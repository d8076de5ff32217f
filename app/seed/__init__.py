"""Reference data every installation needs, and demo data for trying the service."""
