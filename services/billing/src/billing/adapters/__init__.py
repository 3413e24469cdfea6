"""billing's I/O behind the ports: the MongoDB stores (``store``)."""
