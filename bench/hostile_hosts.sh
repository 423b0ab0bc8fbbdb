#!/usr/bin/env bash
# Memory under a stream of made-up Host headers (what item 2 of the
# hardening issue measured: 8 KB hosts grew the server from 130 to 502 MB).
#
#   bench/hostile_hosts.sh                   # builds target/release/atrium first
#   ATRIUM_BIN=path/to/atrium bench/hostile_hosts.sh
#
# Knobs: HOSTILE_COUNT (10000 requests per phase), HOSTILE_CONNECTIONS (4).
# Starts the server on a fresh SQLite database, reads its VmRSS from
# /proc/PID/status before and after each phase, and prints the figures:
#   1. COUNT distinct made-up host names of valid syntax (404 unknown-site),
#   2. COUNT more distinct ones (memory should stay where phase 1 left it),
#   3. COUNT distinct 8 KB Host values (400 before any cache or database work).
# This prints figures; it is not a test. All traffic goes to 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
count=${HOSTILE_COUNT:-10000}
connections=${HOSTILE_CONNECTIONS:-4}

if [[ -z ${ATRIUM_BIN:-} ]]; then
  (cd "$root" && cargo build --release --quiet -p atrium)
  ATRIUM_BIN=$root/target/release/atrium
fi
ATRIUM_BIN=$(realpath "$ATRIUM_BIN")

work=$(mktemp -d -t atrium-hostile.XXXXXX)
server_pid=""
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
unset ATRIUM_CONFIG ATRIUM_MIGRATION_DATABASE_URL

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work" && DATABASE_URL="sqlite://$work/atrium.db" ATRIUM_LISTEN="127.0.0.1:$port" ATRIUM_LOG=warn \
  exec "$ATRIUM_BIN" serve) &
server_pid=$!
up=""
for _ in $(seq 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/health/live" 2>/dev/null; then up=1; break; fi
  sleep 0.1
done
[[ -n $up ]] || { echo "the server did not start" >&2; exit 1; }

python3 - "$port" "$server_pid" "$count" "$connections" <<'PY'
import http.client, sys, threading, uuid

port, pid, count, connections = (int(a) for a in sys.argv[1:])

def rss_kib():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def send(hosts):
    """Sends one GET /api/v1/site per host over keep-alive connections; counts statuses."""
    statuses, lock = {}, threading.Lock()
    def worker(part):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for host in part:
            conn.putrequest("GET", "/api/v1/site", skip_host=True)
            conn.putheader("Host", host)
            conn.endheaders()
            response = conn.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
    threads = [threading.Thread(target=worker, args=(hosts[i::connections],)) for i in range(connections)]
    for t in threads: t.start()
    for t in threads: t.join()
    return statuses

def made_up(n):
    return [f"{uuid.uuid4().hex}.tenant-{i}.example.org" for i in range(n)]

def huge(n):
    return [f"{uuid.uuid4().hex}{'h' * (8192 - 32)}" for i in range(n)]

send(["localhost"] * 500)  # warm-up: workers, pool, allocator
before = rss_kib()
print(f"VmRSS at start (after 500 warm-up requests): {before / 1024:8.1f} MiB")
for label, hosts in [
    (f"{count} distinct made-up host names", made_up(count)),
    (f"{count} more distinct made-up host names", made_up(count)),
    (f"{count} distinct 8 KB Host values", huge(count)),
]:
    statuses = send(hosts)
    now = rss_kib()
    print(f"VmRSS after {label:<40} {now / 1024:8.1f} MiB  ({(now - before) / 1024:+.1f} MiB since start; statuses {dict(sorted(statuses.items()))})")
PY
