#!/usr/bin/env bash
# For a machine without systemd: restart `carte run` whenever it exits, and kill it when
# its status file stops being refreshed (a hung loop), like systemd's watchdog would.
# Usage: deploy/supervise.sh [carte run options…]   (from the project folder)
set -u
cd "$(dirname "$0")/.."
status=data/status.json
stale_after=20
while true; do
    .venv/bin/carte run "$@" &
    pid=$!
    sleep 10
    while kill -0 "$pid" 2>/dev/null; do
        if [ -f "$status" ] && [ $(( $(date +%s) - $(stat -c %Y "$status") )) -gt "$stale_after" ]; then
            echo "supervise: status not refreshed for ${stale_after}s; restarting" >&2
            kill -TERM "$pid"; sleep 5; kill -KILL "$pid" 2>/dev/null
        fi
        sleep 5
    done
    wait "$pid"
    echo "supervise: carte exited ($?); restarting in 2 s" >&2
    sleep 2
done
