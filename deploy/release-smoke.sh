#!/usr/bin/env bash
# Smoke test of the release binary (docs/deploy.md): `serve` without a configuration file says how to start; then it
# starts the binary in demo mode on a free port, waits for /livez and /readyz, sends one chat request through the demo,
# scrapes /metrics, stops it. Not run by CI; run it before resolving a change to deploy/ or the publish profiles.
#   deploy/publish.sh && deploy/release-smoke.sh
#   deploy/publish.sh linux-arm64 && RUNNER="qemu-aarch64-static -L ROOT" deploy/release-smoke.sh deploy/out/linux-arm64/candor
# RUNNER runs a binary of another architecture (qemu-user, ROOT that architecture's libraries: deploy/arm64-smoke.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-deploy/out/linux-x64/candor}
read -r -a runner <<<"${RUNNER:-}"
candor() { "${runner[@]}" "$bin" "$@"; }
status=0
hint=$(candor serve --config /nonexistent/candor.yaml 2>&1 >/dev/null) || status=$?
echo "serve without a file: exit $status; $(echo "$hint" | grep -c 'candor serve --demo\|candor init\|candor.sample.yaml') of 3 hints"
[ "$status" = 1 ] && echo "$hint" | grep -q 'candor serve --demo' && echo "$hint" | grep -q 'candor init' && echo "$hint" | grep -q 'candor.sample.yaml'
port=$(( 20000 + RANDOM % 20000 ))
key=sk-smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
log=$(mktemp)
CANDOR_DEMO_KEY=$key "${runner[@]}" "$bin" serve --demo --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 ${WAIT_SECONDS:-60}); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/livez" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
  sleep 1
done
echo "livez: $(curl -fsS "http://127.0.0.1:$port/livez")"
echo "readyz: $(curl -fsS "http://127.0.0.1:$port/readyz")"
answer=$(curl -fsS "http://127.0.0.1:$port/v1/chat/completions" -H "authorization: Bearer $key" -H 'content-type: application/json' \
  -d '{"model":"demo-gpt","messages":[{"role":"user","content":"hello"}]}')
echo "chat: ${answer:0:160}…"
echo "$answer" | grep -q '"choices"'
curl -fsS "http://127.0.0.1:$port/metrics" | grep '^candor_requests_total' | head -3
echo "release smoke test: ok ($(candor version))"
