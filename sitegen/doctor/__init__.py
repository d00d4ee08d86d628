"""``fedipress doctor``: what is wrong between a blog, its inbox and the fediverse, in plain
words with the fix. One module per area: ``site`` (everything ``check`` verifies, plus TLS,
clock and the inbox the actor names), ``trip`` (a live follow round trip), ``peer`` (one remote
server or person), ``renderers`` (how a post will look on each server), ``report`` (the
findings, the text and JSON output, the exit code), ``run`` (the order of it all)."""
