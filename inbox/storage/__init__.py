"""Every SQL statement of the inbox lives in this package, behind small async functions.

``db.Database`` owns the connection and runs the versioned migrations in ``migrations/``;
the other modules (one per domain: activities, followers, deliveries, moderation, ...) take a
``Database`` and speak portable SQL, so a PostgreSQL backend can follow.
"""
