#!/usr/bin/env bash
# Runs deploy/compose/compose.scale-out.yaml for real (docs/deploy.md): builds the Candor, PostgreSQL and Redis images on
# the local base (deploy/docker-lib.sh; nothing is pulled), adds an upstream — a Candor in demo mode, the in-process
# emulator, no account anywhere — and then, with docker-compose:
#   - `init` once on the shared PostgreSQL, then an account, a key with rpm 10 and a top-up through the CLI in a node;
#   - both nodes up and healthy, /readyz ready on each with the store and the transparency log ok;
#   - chat requests (whole and streamed) through every node with the stored key: answered, and the key's requests
#     bucket counted once for both nodes in Redis (the second node's x-ratelimit-remaining-requests continues the first's);
#   - one receipt key on both nodes (CANDOR_RECEIPT_KEY); every request's usage record in the one PostgreSQL store,
#     read through the other node;
#   - every line the nodes logged is a JSON object (CANDOR_LOG_FORMAT=json);
#   - `down -v`, also on failure. Exits non-zero on any failure.
# Not run by CI (root, a Docker daemon, minutes); run it before resolving a change to deploy/ and put its output in the
# note. Needs docker.io, docker-compose (1.29 works), debootstrap, curl and jq; starts dockerd when none runs.
#   sudo deploy/compose-scale-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
base=${BASE_IMAGE:-local/candor-base}
commit=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
project=candorscale$$
dir=$(mktemp -d)
random() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
export CANDOR_IMAGE=${CANDOR_IMAGE:-candor:smoke} POSTGRES_IMAGE=local/candor-postgres REDIS_IMAGE=local/candor-redis
export POSTGRES_PASSWORD=$(random 18 | tr -d '/+=') REDIS_PASSWORD=$(random 18 | tr -d '/+=')
export CANDOR_SECRET=$(random 32) CANDOR_MASTER_KEY="1:$(random 32)" CANDOR_RECEIPT_KEY=$(random 32)
export UPSTREAM_KEY=sk-upstream-$(random 12 | tr -d '/+=')
export CANDOR_1_PORT=$(( 20000 + RANDOM % 20000 )) CANDOR_2_PORT=$(( 20000 + RANDOM % 20000 ))
ports=("$CANDOR_1_PORT" "$CANDOR_2_PORT")

. deploy/docker-lib.sh
dc() { docker-compose --ansi never -p "$project" --project-directory "$dir" -f deploy/compose/compose.scale-out.yaml -f "$dir/smoke.yaml" "$@"; }
cleanup() {
  status=$?
  if [ "$status" -ne 0 ] && [ -f "$dir/smoke.yaml" ]; then dc logs --no-color --tail 30 >&2 2>/dev/null || true; fi
  [ -f "$dir/smoke.yaml" ] && { dc down -v --remove-orphans >/dev/null 2>&1 || true; }
  rm -rf "$dir"
  stop_dockerd
  exit "$status"
}
trap cleanup EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

# The nodes' configuration: the shared limits in Redis, one public model on the upstream below.
cat >"$dir/candor.yaml" <<'EOF'
cluster: { redis: "redis:6379", nodes: 2 }
channels:
  - { id: upstream, provider: openai, base_url: "http://upstream:8080/v1", api_key_env: UPSTREAM_KEY }
models:
  - { name: gpt-4o-mini, deployments: [{ channel: upstream, model: demo-gpt }] }
EOF
cat >"$dir/smoke.yaml" <<'EOF'
services:
  upstream:
    image: ${CANDOR_IMAGE}
    command: ["serve", "--demo", "--urls", "http://0.0.0.0:8080"]
    environment: { CANDOR_DEMO_KEY: "${UPSTREAM_KEY}", CANDOR_LOG_FORMAT: json }
    read_only: true
    tmpfs: ["/tmp:exec"]
  candor-1:
    environment: { UPSTREAM_KEY: "${UPSTREAM_KEY}" }
  candor-2:
    environment: { UPSTREAM_KEY: "${UPSTREAM_KEY}" }
EOF

ensure_dockerd
ensure_base "$base"
# PREBUILT_IMAGE=1: CANDOR_IMAGE is used as it is (no publish, no build).
[ -n "${PREBUILT_IMAGE:-}" ] || build_candor "$CANDOR_IMAGE" "$base" "$commit"
for part in postgres redis; do
  echo "== build local/candor-$part (base $base)"
  DOCKER_BUILDKIT=0 docker build -q --build-arg BASE_IMAGE="$base" -t "local/candor-$part" "deploy/$part" >/dev/null
done
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^($CANDOR_IMAGE|local/candor-postgres:latest|local/candor-redis:latest) "
for image in local/candor-postgres local/candor-redis; do
  docker image inspect "$image" --format "  $image: user={{.Config.User}} volumes={{json .Config.Volumes}} healthcheck={{json .Config.Healthcheck.Test}}"
done

wait_healthy() {
  local service=$1 id state
  id=$(dc ps -q "$service")
  for _ in $(seq 1 120); do
    state=$(docker inspect -f '{{.State.Health.Status}}' "$id")
    [ "$state" = healthy ] && { echo "  $service: healthy (uid $(docker top "$id" -eo pid,uid | awk 'NR > 1 {print $2}' | sort -u | tr '\n' ' '))"; return 0; }
    [ "$(docker inspect -f '{{.State.Running}} {{.RestartCount}}' "$id")" = "true 0" ] || fail "$service stopped: $(docker logs --tail 5 "$id" 2>&1)"
    sleep 1
  done
  fail "$service not healthy after 120 s ($state)"
}

echo "== docker-compose config"
dc config -q
echo "== up: postgres, redis, upstream (demo)"
dc up -d postgres redis upstream >"$dir/up.log" 2>&1 || fail "up: $(cat "$dir/up.log")"
for service in postgres redis upstream; do wait_healthy "$service"; done
collation=$(dc exec -T postgres psql -h /var/run/postgresql -U candor -d candor -Atc "SELECT datcollate FROM pg_database WHERE datname = 'candor'")
echo "  database candor: collation $collation"

echo "== init and the CLI in a node, on the shared PostgreSQL"
cli() { dc run --rm -T --no-deps candor-1 "$@" 2>"$dir/cli.log" || { cat "$dir/cli.log" >&2; return 1; }; }
init=$(cli init --data /data)
grep -q '^Operator key' <<<"$init" || fail "init printed no operator key"
account=$(cli accounts create --name smoke | jq -er .id)
key=$(cli keys create --account "$account" --name smoke --rpm 10 | jq -er .key)
cli topup --account "$account" --amount 5 >/dev/null
echo "  account $account, a key with rpm 10, 5 USD"

echo "== up: candor-1, candor-2"
dc up -d candor-1 candor-2 >"$dir/up.log" 2>&1 || fail "up: $(cat "$dir/up.log")"
for service in candor-1 candor-2; do wait_healthy "$service"; done

sent=0
remaining=()
for i in 0 1; do
  port=${ports[$i]} node=candor-$((i + 1))
  ready=$(curl -sS "http://127.0.0.1:$port/readyz")
  echo "  $node /readyz: $ready"
  [ "$(jq -r '.status + " " + .checks.store + " " + .checks.transparency_log' <<<"$ready")" = "ready ok ok" ] || fail "$node not ready"
  for stream in false true; do
    headers=$dir/headers
    body=$(curl -sS -D "$headers" "http://127.0.0.1:$port/v1/chat/completions" -H "authorization: Bearer $key" \
      -H 'content-type: application/json' \
      -d "{\"model\":\"gpt-4o-mini\",\"stream\":$stream,\"messages\":[{\"role\":\"user\",\"content\":\"hello from $node\"}]}")
    code=$(awk 'NR == 1 {print $2}' "$headers")
    left=$(awk 'tolower($1) == "x-ratelimit-remaining-requests:" {print $2}' "$headers" | tr -d '\r')
    [ "$code" = 200 ] || fail "$node chat (stream $stream): $code ${body:0:300}"
    if [ "$stream" = true ]; then
      grep -q '^data: \[DONE\]' <<<"$body" || fail "$node stream did not end with [DONE]"
      echo "  $node chat (streamed): 200, $(grep -c '^data: {' <<<"$body") chunks, remaining requests $left"
    else
      echo "  $node chat: 200, \"$(jq -r '.choices[0].message.content' <<<"$body" | head -c 60)…\", remaining requests $left"
    fi
    remaining+=("$left")
    sent=$((sent + 1))
  done
done
keys=$(for port in "${ports[@]}"; do curl -sS "http://127.0.0.1:$port/.well-known/candor" | jq -r '.receipt_keys[0].public_key'; done | sort -u)
[ "$(wc -l <<<"$keys")" = 1 ] || fail "the nodes sign receipts with different keys: $keys"
echo "  receipt key of both nodes (/.well-known/candor): $keys"
# Counted per node, the second node's first request would leave 9 again; shared in Redis it continues below 9.
[ "${remaining[2]}" -lt 9 ] || fail "the second node counted the key alone (remaining ${remaining[*]})"
echo "  remaining requests over both nodes: ${remaining[*]} (one bucket in Redis)"

for _ in $(seq 1 20); do
  records=$(dc exec -T candor-2 /usr/local/bin/candor usage --account "$account" 2>/dev/null | grep -c '"request_id"' || true)
  [ "$records" -ge "$sent" ] && break
  sleep 1
done
echo "  usage records in PostgreSQL, read through candor-2: $records of $sent requests"
[ "$records" -ge "$sent" ] || fail "usage records missing"

echo "== logs"
for service in candor-1 candor-2; do
  lines=$(dc logs --no-color "$service" | sed -n 's/^[^|]*| //p')
  total=$(grep -c . <<<"$lines")
  bad=$(grep . <<<"$lines" | while IFS= read -r line; do jq -e . >/dev/null 2>&1 <<<"$line" || echo x; done | grep -c x || true)
  echo "  $service: $total lines, $bad not JSON"
  [ "$bad" = 0 ] || fail "$service wrote non-JSON lines: $(grep . <<<"$lines" | while IFS= read -r l; do jq -e . >/dev/null 2>&1 <<<"$l" || echo "$l"; done | head -3)"
done

echo "== down -v"
dc down -v --remove-orphans >"$dir/down.log" 2>&1 || fail "down: $(cat "$dir/down.log")"
echo "  $(grep -c '^Removing' "$dir/down.log") containers, networks and volumes removed"
[ -z "$(docker volume ls -q --filter "name=${project}_")" ] || fail "volumes left"
echo "compose scale-out smoke test: ok"
