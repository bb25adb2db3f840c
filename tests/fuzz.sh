#!/usr/bin/env bash
# A longer run of the fuzz suite (tests/README.md): COUNT bodies per surface (default 100000) under SEED (default 13).
set -euo pipefail
cd "$(dirname "$0")/.."
export CANDOR_FUZZ_COUNT="${1:-100000}"
export CANDOR_FUZZ_SEED="${2:-13}"
dotnet test tests/Candor.FunctionalTests --filter "FullyQualifiedName~Candor.FunctionalTests.Fuzz.FuzzTests" --logger "console;verbosity=normal"
