#!/usr/bin/env bash
# Smoke test of the release binary (docs/deploy.md): starts deploy/out/linux-x64/candor in demo mode on a free port,
# waits for /livez and /readyz, sends one chat request through the demo, scrapes /metrics, stops it.
#   deploy/publish.sh && deploy/release-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-deploy/out/linux-x64/candor}
port=$(( 20000 + RANDOM % 20000 ))
key=sk-smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
log=$(mktemp)
CANDOR_DEMO_KEY=$key "$bin" serve --demo --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do
  "$bin" probe --url "http://127.0.0.1:$port/livez" 2>/dev/null && break
  sleep 0.5
done
echo "livez: $(curl -fsS "http://127.0.0.1:$port/livez")"
echo "readyz: $(curl -sS "http://127.0.0.1:$port/readyz")"
answer=$(curl -fsS "http://127.0.0.1:$port/v1/chat/completions" -H "authorization: Bearer $key" -H 'content-type: application/json' \
  -d '{"model":"demo-gpt","messages":[{"role":"user","content":"hello"}]}')
echo "chat: ${answer:0:160}…"
echo "$answer" | grep -q '"choices"'
curl -fsS "http://127.0.0.1:$port/metrics" | grep '^candor_requests_total' | head -3
echo "release smoke test: ok ($("$bin" version))"
