"""notifier's use cases: one module per resource, one async function per use case. They know
nothing of FastAPI, FastStream or PyMongo; the service object comes typed by notifier.ports."""
