#!/bin/sh
# Runs inside the booted container (systemd-nspawn --private-network) as a oneshot unit:
# checks the deployed services through the container's own loopback, writes key<TAB>value
# lines to /root/probe.out and powers the container off.
# Usage: probe.sh DOMAIN
set -u
domain="$1"
out=/root/probe.out
: > "$out"
say() { printf '%s\t%s\n' "$1" "$2" >> "$out"; }
https() {  # https PATH [curl options...] -> "HTTP_CODE CONTENT_TYPE"
  path="$1"; shift
  curl -sk --max-time 10 --resolve "$domain:443:127.0.0.1" -o /dev/null \
    -w '%{http_code} %{content_type}' "$@" "https://$domain$path"
}

code=000
for _ in $(seq 1 120); do
  code="$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/healthz)"
  [ "$code" = 200 ] && break
  sleep 0.5
done
say healthz_direct "$code"
for _ in $(seq 1 40); do
  [ "$(https /healthz | cut -d' ' -f1)" = 200 ] && break
  sleep 0.5
done
say healthz_proxy "$(https /healthz)"
say readyz_proxy "$(https /readyz)"
say metrics_loopback "$(https /metrics)"
say metrics_other_address "$(https /metrics --interface 127.0.0.2)"
# One line per document URL of the static site: "doc <url>=<code> <content type>".
while read -r url; do
  say "doc $url" "$(https "$url")"
done < /root/probe-urls
say http_redirect "$(curl -s --max-time 5 --resolve "$domain:80:127.0.0.1" -o /dev/null -w '%{http_code}' "http://$domain/ap/actor.json")"
say cors "$(curl -sk --max-time 5 --resolve "$domain:443:127.0.0.1" -D - -o /dev/null "https://$domain/ap/actor.json" | tr -d '\r' | grep -i '^access-control-allow-origin:' | cut -d' ' -f2)"
# Listening sockets on port 8080 (1F90), as hex address:port from the kernel's tables.
say listening_8080 "$(awk '$4 == "0A" {print $2}' /proc/net/tcp /proc/net/tcp6 | grep -i ':1F90$' | tr '\n' ' ')"
for unit in fedipress-inbox.service caddy.service fedipress-backup.timer; do
  say "active_$unit" "$(systemctl is-active "$unit")"
done
if systemctl start fedipress-backup.service; then
  say backup_run ok
else
  say backup_run failed
fi
say backups "$(ls /var/backups/fedipress | grep -c '^inbox-.*\.sqlite3$')"
say exposure "$(systemd-analyze security --no-pager fedipress-inbox.service 2>/dev/null | tail -n1)"
journalctl --no-pager -u fedipress-inbox.service -u fedipress-backup.service -u caddy.service \
  > /root/probe.journal 2>&1
say done yes
systemctl poweroff --no-block
