# Shared by the container smoke tests (container-smoke.sh, compose-scale-smoke.sh); sourced, not run.
# No registry is reachable here, so every image is built on one local base, local/candor-base: a Debian bookworm
# minbase made with debootstrap plus libssl3 and ca-certificates (what runtime-deps holds; about 3 minutes, once).

started_dockerd=

# Starts dockerd when no daemon answers (stop_dockerd stops only the one started here).
ensure_dockerd() {
  docker info >/dev/null 2>&1 && return 0
  dockerd >/tmp/candor-smoke-dockerd.log 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "dockerd did not answer within 30 s (/tmp/candor-smoke-dockerd.log)" >&2
  return 1
}

stop_dockerd() {
  if [ -n "$started_dockerd" ]; then kill "$started_dockerd"; wait "$started_dockerd" 2>/dev/null || true; fi
}

# ensure_base IMAGE: makes the local Debian base when it is missing.
ensure_base() {
  docker image inspect "$1" >/dev/null 2>&1 && return 0
  local root
  root=$(mktemp -d)
  debootstrap --variant=minbase --include=libssl3,ca-certificates bookworm "$root" >/dev/null
  tar -C "$root" -c . | docker import - "$1" >/dev/null
  rm -rf "$root"
}

# build_candor IMAGE BASE COMMIT: the Candor image (deploy/Dockerfile) with the legacy builder; with BASE, both stages
# on that local base and the binary deploy/publish.sh made on the host (published first when missing); without, the
# Dockerfile's own registry bases.
build_candor() {
  local image=$1 base=$2 commit=$3
  local args=(--build-arg COMMIT="$commit")
  if [ -n "$base" ]; then
    ensure_base "$base"
    [ -x deploy/out/linux-x64/candor ] || deploy/publish.sh linux-x64
    args+=(--build-arg PREBUILT=1 --build-arg BUILD_IMAGE="$base" --build-arg RUNTIME_IMAGE="$base")
  fi
  echo "== build $image (${DOCKER_BUILDKIT:+DOCKER_BUILDKIT=$DOCKER_BUILDKIT, }base ${base:-registry})"
  DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker build -q -f deploy/Dockerfile "${args[@]}" -t "$image" . >/dev/null
}
