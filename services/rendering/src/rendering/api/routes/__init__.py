"""rendering's HTTP routes."""

from rendering.api.routes import rides

ROUTERS = [rides.router]
