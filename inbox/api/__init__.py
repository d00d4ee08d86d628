"""HTTP routes of the inbox, one module per resource; each exposes a ``ROUTES`` list."""
