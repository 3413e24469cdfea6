"""billing's HTTP API (API.md §billing): one module per resource, each route body → use case →
response model."""
