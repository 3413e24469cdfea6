"""identity's HTTP API (docs/api.md §identity): thin routes over the use cases."""
