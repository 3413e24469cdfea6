"""identity's HTTP API (API.md §identity): thin routes over the use cases."""
