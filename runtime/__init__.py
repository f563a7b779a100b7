"""The trio runtime that executes compiled plans (planned)."""
