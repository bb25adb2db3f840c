#!/usr/bin/env bash
# Regenerates the console screenshots in docs/console/ (docs/console.md) by running the console's browser test
# (Debian chromium + chromium-driver) with screenshots on.
set -euo pipefail
cd "$(dirname "$0")/.."
CANDOR_CONSOLE_SCREENSHOTS="$PWD/docs/console" CI=true \
  dotnet test tests/Candor.FunctionalTests --filter "FullyQualifiedName~WebConsole.ConsoleBrowserTests"
