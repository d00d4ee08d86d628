"""The always-on half of Fedipress: a Litestar app on SQLite that receives, verifies and
moderates activities for static blogs, and delivers their posts to followers."""
