#!/bin/sh
# The social loop for any CI: pull -> build -> deploy -> register -> publish.
#
# Run it on every push and whenever the inbox's webhook calls your CI (reply, delete, ...).
# Environment:
#   FEDIPRESS_PRIVATE_KEY  the blog actor's private key PEM (a CI secret); written to
#                          .keys/private.pem when that file is missing
#   FEDIPRESS_DEPLOY       a shell command that uploads _site/ (rsync, wrangler, netlify ...);
#                          without it the deploy step is skipped
#   FEDIPRESS_PUBLISH      set to 0 to skip register + publish (e.g. preview builds)
#   FEDIPRESS_SITE         the site folder (default: the folder of this script)
# Every step stops the script on failure; publish resumes where it stopped on the next run.
set -eu

SITE="${FEDIPRESS_SITE:-$(dirname "$0")}"
FEDIPRESS="${FEDIPRESS:-fedipress}"

if [ ! -f "$SITE/.keys/private.pem" ] && [ -n "${FEDIPRESS_PRIVATE_KEY:-}" ]; then
    mkdir -p "$SITE/.keys"
    umask 077
    printf '%s\n' "$FEDIPRESS_PRIVATE_KEY" > "$SITE/.keys/private.pem"
fi
if [ ! -f "$SITE/.keys/private.pem" ]; then
    echo "error: no actor key: set FEDIPRESS_PRIVATE_KEY (a new key would orphan your followers)" >&2
    exit 2
fi

# Replies, likes and boosts first, so this build shows them. The very first run of a new
# site has nothing to pull: the inbox does not know the blog yet.
"$FEDIPRESS" pull "$SITE" || echo "pull failed; building with the replies we have" >&2
"$FEDIPRESS" build "$SITE"

if [ -n "${FEDIPRESS_DEPLOY:-}" ]; then
    sh -c "$FEDIPRESS_DEPLOY"
else
    echo "FEDIPRESS_DEPLOY is not set: not deploying"
fi

# After the deploy: followers fetch what publish announces, and the inbox checks the key
# against the live actor document.
if [ "${FEDIPRESS_PUBLISH:-1}" = "1" ]; then
    "$FEDIPRESS" register "$SITE"
    "$FEDIPRESS" publish "$SITE"
fi
