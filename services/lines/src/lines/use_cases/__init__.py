"""One module per resource, one async function per use case (docs/service-template.md)."""
