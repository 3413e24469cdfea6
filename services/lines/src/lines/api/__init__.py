"""lines' HTTP API (docs/api.md §lines)."""
