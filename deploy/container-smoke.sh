#!/usr/bin/env bash
# Builds the container image and smoke-tests it (docs/deploy.md): `candor init` into a named volume as the image's
# non-root user, then `serve --demo` with the port published: the health check turns healthy, /livez and /readyz
# answer 200, one chat request goes through the demo, /metrics refuses a peer outside the container, `candor version`
# names the commit, and `docker stop` ends it cleanly. Not run by CI (it needs root and a Docker daemon); run it before
# resolving a change to deploy/, and put its output in the note.
#
# No registry is reachable here, so by default both stages' bases are one local image, local/candor-base (made by
# deploy/docker-lib.sh), and the binary is the one deploy/publish.sh made on the host (PREBUILT=1). With registry access:
#   BASE_IMAGE= deploy/container-smoke.sh     (the Dockerfile's own SDK and chiseled runtime-deps bases)
#
#   sudo deploy/container-smoke.sh            (needs docker.io and debootstrap; starts dockerd when none runs)
set -euo pipefail
cd "$(dirname "$0")/.."
image=${IMAGE:-candor:smoke}
base=${BASE_IMAGE-local/candor-base}
name=candor-smoke-$$
volume=candor-smoke-data-$$
port=$(( 20000 + RANDOM % 20000 ))
key=sk-smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
commit=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}   # COMMIT: the prebuilt binary's, when older than HEAD
. deploy/docker-lib.sh
ensure_dockerd
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  stop_dockerd
}
trap cleanup EXIT

build_candor "$image" "$base" "$commit"
docker image ls "$image" --format '{{.Repository}}:{{.Tag}} {{.Size}}'
docker image inspect "$image" --format 'user={{.Config.User}} entrypoint={{json .Config.Entrypoint}} volumes={{json .Config.Volumes}} healthcheck={{json .Config.Healthcheck.Test}}'

echo "== init into a named volume, as the image's user"
docker run --rm --network none -v "$volume:/data" "$image" init --data /data >/dev/null
docker run --rm --network none -v "$volume:/data" --entrypoint /bin/sh "$base" -c 'ls -ln /data | tail -n +2' 2>/dev/null \
  | awk '{print "  " $3 ":" $4 " " $1 " " $9}' || true

echo "== serve --demo"
docker run -d --name "$name" -p "127.0.0.1:$port:8080" --read-only --tmpfs /tmp:exec -v "$volume:/data" -e CANDOR_DEMO_KEY="$key" \
  "$image" serve --demo --urls http://0.0.0.0:8080 >/dev/null
for _ in $(seq 1 90); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$name")" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || { docker logs "$name"; exit 1; }
  sleep 1
done
health=$(docker inspect -f '{{.State.Health.Status}}' "$name")
echo "health: $health; process uid: $(docker top "$name" -eo pid,uid | awk 'NR > 1 {print $2}' | sort -u | tr '\n' ' ')"
[ "$health" = healthy ]
echo "livez: $(curl -fsS "http://127.0.0.1:$port/livez")"
echo "readyz: $(curl -fsS "http://127.0.0.1:$port/readyz")"
answer=$(curl -fsS "http://127.0.0.1:$port/v1/chat/completions" -H "authorization: Bearer $key" -H 'content-type: application/json' \
  -d '{"model":"demo-gpt","messages":[{"role":"user","content":"hello from the container smoke test"}]}')
echo "chat: ${answer:0:160}…"
echo "$answer" | grep -q '"choices"'
metrics=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")
echo "metrics from outside the container: $metrics (loopback only by default)"
[ "$metrics" = 404 ]
version=$(docker exec "$name" /usr/local/bin/candor version)
echo "version: $version"
case "$version" in *"$commit"*) ;; *) echo "candor version does not name commit $commit" >&2; exit 1 ;; esac
docker stop -t 20 "$name" >/dev/null
echo "stopped: exit code $(docker inspect -f '{{.State.ExitCode}}' "$name")"
echo "container smoke test: ok"
