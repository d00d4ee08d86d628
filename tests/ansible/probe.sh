#!/bin/sh
# Runs inside the booted container (systemd-nspawn --private-network) as a oneshot unit:
# checks the deployed services through the container's own loopback, writes key<TAB>value
# lines to /root/probe.out and powers the container off.
# Usage: probe.sh DOMAIN PROXY   (PROXY: caddy serves https, nginx plain http)
set -u
domain="$1"
proxy="$2"
out=/root/probe.out
: > "$out"
say() { printf '%s\t%s\n' "$1" "$2" >> "$out"; }
if [ "$proxy" = caddy ]; then scheme=https port=443; else scheme=http port=80; fi
fetch() {  # fetch PATH [curl options...] -> "HTTP_CODE CONTENT_TYPE" through the proxy
  path="$1"; shift
  curl -sk --max-time 10 --resolve "$domain:$port:127.0.0.1" -o /dev/null \
    -w '%{http_code} %{content_type}' "$@" "$scheme://$domain$path"
}

code=000
for _ in $(seq 1 120); do
  code="$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/healthz)"
  [ "$code" = 200 ] && break
  sleep 0.5
done
say healthz_direct "$code"
for _ in $(seq 1 40); do
  [ "$(fetch /healthz | cut -d' ' -f1)" = 200 ] && break
  sleep 0.5
done
say healthz_proxy "$(fetch /healthz)"
say readyz_proxy "$(fetch /readyz)"
say metrics_loopback "$(fetch /metrics)"
say metrics_other_address "$(fetch /metrics --interface 127.0.0.2)"
# The same path spelled as a normalising server still routes it: the proxy must refuse all.
for variant in /metrics/ /metrics%2f /metrics%2F //metrics /METRICS /Metrics/ /./metrics /x/../metrics; do
  say "metrics_variant $variant" "$(fetch "$variant" --path-as-is --interface 127.0.0.2)"
done
# One line per document URL of the static site: "doc <url>=<code> <content type>".
while read -r url; do
  say "doc $url" "$(fetch "$url")"
done < /root/probe-urls
say cors "$(curl -sk --max-time 5 --resolve "$domain:$port:127.0.0.1" -D - -o /dev/null "$scheme://$domain/ap/actor.json" | tr -d '\r' | grep -i '^access-control-allow-origin:' | cut -d' ' -f2)"
# Listening sockets on port 8080 (1F90), as hex address:port from the kernel's tables.
say listening_8080 "$(awk '$4 == "0A" {print $2}' /proc/net/tcp /proc/net/tcp6 | grep -i ':1F90$' | tr '\n' ' ')"
for unit in fedipress-inbox.service "$proxy.service" fedipress-backup.timer; do
  say "active_$unit" "$(systemctl is-active "$unit")"
done
# What systemd enabled: the converged root boots for the first time, when systemd's
# preset-all enables every installed unit the presets do not say otherwise of.
for unit in fedipress-worker.service caddy.service nginx.service caddy-api.service; do
  say "enabled_$unit" "$(systemctl is-enabled "$unit" 2>/dev/null)"
  say "active_$unit" "$(systemctl is-active "$unit" 2>/dev/null)"
done
# Two backups a little apart: names carry the second, and keep=2 prunes older ones.
if systemctl start fedipress-backup.service && sleep 1.2 && systemctl start fedipress-backup.service; then
  say backup_run ok
else
  say backup_run failed
fi
say backups "$(ls /var/backups/fedipress | grep -c '^inbox-.*\.sqlite3$')"
# Modes of everything holding actors' private keys: "mode owner" per file.
say mode_database "$(stat -c '%a %U' /var/lib/fedipress/inbox.sqlite3)"
say mode_backups "$(for f in /var/backups/fedipress/inbox-*.sqlite3; do stat -c '%a %U' "$f"; done | sort -u | tr '\n' ' ')"
say mode_backup_dir "$(stat -c '%a %U' /var/backups/fedipress)"
fedipress-inbox backup /var/backups/fedipress/by-hand.sqlite3 >/dev/null 2>&1
say mode_backup_by_hand "$(stat -c '%a %U' /var/backups/fedipress/by-hand.sqlite3)"
rm -f /var/backups/fedipress/by-hand.sqlite3
# A malformed request makes uvicorn log a warning: journald must file it at priority 4.
python3 -c 'import socket; s = socket.create_connection(("127.0.0.1", 8080)); s.sendall(b"\x16\x03\x01garbage\r\n\r\n"); s.recv(100)' 2>/dev/null
sleep 0.5
say journal_warning_lines "$(journalctl -u fedipress-inbox.service -p warning --no-pager -o cat | grep -c '"level": "warning"')"
say journal_prefix_left "$(journalctl -u fedipress-inbox.service --no-pager -o cat | grep -c '^<[0-7]>')"

# The restore steps of docs/deploy.md, with the newest backup.
newest="$(ls /var/backups/fedipress | grep '^inbox-.*\.sqlite3$' | sort | tail -n1)"
systemctl stop fedipress-inbox
cd /var/lib/fedipress
mv inbox.sqlite3 inbox.sqlite3.before-restore
rm -f inbox.sqlite3-wal inbox.sqlite3-shm
install -o fedipress -g fedipress -m 0600 "/var/backups/fedipress/$newest" inbox.sqlite3
say restore_integrity "$(sqlite3 inbox.sqlite3 'PRAGMA integrity_check' 2>&1)"
# The blocklist imported on deploy is in the database, so in the backup.
say restore_blocklist_rows "$(sqlite3 inbox.sqlite3 .dump | grep -c "spam\.test")"
systemctl start fedipress-inbox
for _ in $(seq 1 60); do
  code="$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/healthz)"
  [ "$code" = 200 ] && break
  sleep 0.5
done
say restore_healthz "$code"
cd /
say exposure "$(systemd-analyze security --no-pager fedipress-inbox.service 2>/dev/null | tail -n1)"
if [ "$proxy" = caddy ]; then
  # Caddy's admin API: not on TCP, and its socket not reachable by the inbox's user.
  say caddy_admin_tcp "$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:2019/config/)"
  say caddy_admin_as_fedipress "$(runuser -u fedipress -- curl -s --max-time 3 -o /dev/null -w '%{http_code}' --unix-socket /run/caddy/admin.sock http://localhost/config/ 2>/dev/null)"
  say caddy_admin_as_root "$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' --unix-socket /run/caddy/admin.sock http://localhost/config/)"
  say caddy_sudo_lines "$(journalctl -u caddy.service --no-pager -o cat | grep -ci 'sudo')"
  say root_caddy_data "$(ls -A /root/.local/share/caddy 2>/dev/null | wc -l)"
fi
journalctl --no-pager -u fedipress-inbox.service -u fedipress-backup.service -u caddy.service \
  > /root/probe.journal 2>&1
say done yes
systemctl poweroff --no-block
