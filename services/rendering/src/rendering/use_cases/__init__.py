"""rendering's use cases: one module per resource."""
