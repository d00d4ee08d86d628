"""The inbox's half of ``fedipress doctor``: a live follow round trip by the instance actor
(``round_trip``), what the inbox knows about one remote server (``peer``), and cheap per-host
sightings that say when a server last talked to the blog (``sightings``)."""
