#!/usr/bin/env bash
# Publishes the release binaries (docs/deploy.md): a self-contained single-file candor for each runtime, checks that
# nothing else lands beside it, that it runs (on this machine's architecture) and that `candor version` names the commit.
#   deploy/publish.sh [linux-x64] [linux-arm64]      (default: linux-x64)
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
rids=("$@"); [ ${#rids[@]} -eq 0 ] && rids=(linux-x64)
for rid in "${rids[@]}"; do
  out=deploy/out/$rid
  rm -rf "$out"
  dotnet publish src/Candor.Server/Candor.Server.csproj -p:PublishProfile="$rid" -p:SourceRevisionId="$commit" -o "$out" -v q -nologo
  files=$(ls "$out")
  if [ "$files" != "candor" ]; then echo "publish $rid: stray files beside candor: $files" >&2; exit 1; fi
  size=$(du -h "$out/candor" | cut -f1)
  echo "$rid: $out/candor ($size)"
  if [ "$rid" = "linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')" ]; then
    version=$("$out/candor" version)
    echo "  $version"
    case "$version" in *"commit $commit"*) ;; *) echo "candor version does not name commit $commit" >&2; exit 1 ;; esac
  fi
done
