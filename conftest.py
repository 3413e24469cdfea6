"""Root pytest configuration shared by every test directory."""

import os

# Services built inside tests talk to FerretDB like the local stack does: one connection per
# process keeps FerretDB's conditional updates atomic (see common/settings.py).
os.environ.setdefault("MONGODB_MAX_POOL_SIZE", "1")
