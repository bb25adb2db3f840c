#!/usr/bin/env bash
# Builds the container image and smoke-tests it (docs/deploy.md): start, wait for the health check, one chat request
# through the demo, stop. This machine cannot pull from registries, so by default both bases are local: a Debian
# minbase made with debootstrap and imported as local/bookworm (about 3 minutes once), and the binary from
# deploy/publish.sh (BINARY_STAGE=prebuilt). With registry access: SDK_IMAGE/RUNTIME_IMAGE at their defaults and
# BINARY_STAGE=build.
#   sudo deploy/docker-smoke.sh          (needs docker.io and debootstrap; starts dockerd when none runs)
set -euo pipefail
cd "$(dirname "$0")/.."
image=${IMAGE:-candor:local}
runtime=${RUNTIME_IMAGE:-local/bookworm}
stage=${BINARY_STAGE:-prebuilt}
started_dockerd=
if ! docker info >/dev/null 2>&1; then
  dockerd >/tmp/candor-dockerd.log 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
fi
cleanup() {
  docker rm -f candor-smoke >/dev/null 2>&1 || true
  if [ -n "$started_dockerd" ]; then kill "$started_dockerd"; wait "$started_dockerd" 2>/dev/null || true; fi
}
trap cleanup EXIT
if [ "$runtime" = local/bookworm ] && ! docker image inspect local/bookworm >/dev/null 2>&1; then
  root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" >/dev/null
  tar -C "$root" -c . | docker import - local/bookworm
  rm -rf "$root"
fi
if [ "$stage" = prebuilt ] && [ ! -x deploy/out/linux-x64/candor ]; then deploy/publish.sh linux-x64; fi
DOCKER_BUILDKIT=1 docker build -f deploy/Dockerfile --build-arg RUNTIME_IMAGE="$runtime" --build-arg BINARY_STAGE="$stage" \
  --build-arg COMMIT="$(git rev-parse HEAD 2>/dev/null || echo unknown)" -t "$image" .
docker image ls "$image"
key=sk-smoke-docker-0123456789abcdef
docker run -d --name candor-smoke --network host -e CANDOR_DEMO_KEY=$key "$image" serve --demo --urls http://127.0.0.1:8080
for _ in $(seq 1 60); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' candor-smoke)" = healthy ] && break
  sleep 1
done
echo "health: $(docker inspect -f '{{.State.Health.Status}}' candor-smoke); user: $(docker inspect -f '{{.Config.User}}' candor-smoke)"
answer=$(curl -fsS http://127.0.0.1:8080/v1/chat/completions -H "authorization: Bearer $key" -H 'content-type: application/json' \
  -d '{"model":"demo-gpt","messages":[{"role":"user","content":"hello"}]}')
echo "chat: ${answer:0:160}…"
echo "$answer" | grep -q '"choices"'
docker exec candor-smoke /usr/local/bin/candor version
docker stop candor-smoke >/dev/null
echo "docker smoke test: ok"
