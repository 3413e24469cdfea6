"""One module per resource; ``ROUTERS`` is what app.SPEC serves."""

from lines.api.routes import lines, service_types, verification

ROUTERS = [service_types.router, lines.router, verification.router]
