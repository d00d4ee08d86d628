"""The announcements actor: ``@announcements@<inbox host>``, a ``Service`` the operator turns
on (``announcements = true``) that introduces newly registered blogs which asked for it
(``announce: true`` at registration) and may boost their public posts, so a new blog finds its
first followers. Operator-moderated and rate-limited; see docs/inbox.md "Announcements actor".

``actor``: who it is (URLs, document, WebFinger, key); ``writing``: what it says (pure);
``announcer``: the queue from a blog's registration or post to a delivered activity.
"""

from inbox.announcements.actor import USERNAME, AnnouncementsActor
from inbox.announcements.announcer import Announcer

__all__ = ["USERNAME", "AnnouncementsActor", "Announcer"]
