"""The same migrations as the SQLite set, version for version, in PostgreSQL's dialect."""
