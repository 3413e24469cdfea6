"""One module per resource; ``ROUTERS`` is what app.SPEC serves."""

from identity.api.routes import (
    activations,
    captchas,
    keys,
    me,
    password_resets,
    registrations,
    sessions,
)

ROUTERS = [
    captchas.router,
    registrations.router,
    activations.router,
    sessions.router,
    me.router,
    password_resets.router,
    keys.router,
]
