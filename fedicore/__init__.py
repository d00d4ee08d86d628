"""What both halves of Fedipress need, as pure code: ActivityStreams vocabulary and documents,
HTTP signatures, `@user@domain` handles, typed config loading. No network, no database."""
