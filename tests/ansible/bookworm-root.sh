#!/bin/sh
# Usage: bookworm-root.sh CACHE_DIR ROOT
# Make ROOT a fresh Debian bookworm tree (minbase + systemd + python3), copied from a base
# kept in CACHE_DIR; the base is made with debootstrap the first time (about a minute).
# The mirror is the one this machine's apt already uses.
set -eu
cache="$1"
root="$2"
include="systemd,systemd-sysv,dbus,python3,python3-apt,ca-certificates,curl"
base="$cache/bookworm-$(printf %s "$include" | sha256sum | cut -c1-12)"
mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1)"
if [ -z "$mirror" ]; then
  mirror="$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
fi
if [ ! -f "$base/.complete" ]; then
  [ -n "$mirror" ] || { echo "no Debian mirror found in this machine's apt sources" >&2; exit 1; }
  rm -rf "$base.partial"
  mkdir -p "$cache"
  debootstrap --variant=minbase --include="$include" bookworm "$base.partial" "$mirror" >&2
  # The machine-id is made on first boot; apt's downloaded packages stay for reuse.
  rm -f "$base.partial/etc/machine-id"
  touch "$base.partial/.complete"
  rm -rf "$base"
  mv "$base.partial" "$base"
fi
rm -rf "$root"
cp -a "$base" "$root"
rm -f "$root/.complete"
