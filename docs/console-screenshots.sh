#!/usr/bin/env bash
# Regenerates the console screenshots in docs/console/ (docs/console.md) by running the console's browser tests
# (Debian chromium + chromium-driver; axe-core from tests/console-a11y, installed here when missing) with screenshots on.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f tests/console-a11y/node_modules/axe-core/axe.min.js ]] || npm ci --prefix tests/console-a11y --no-audit --no-fund
CANDOR_CONSOLE_SCREENSHOTS="$PWD/docs/console" CI=true \
  dotnet test tests/Candor.FunctionalTests --filter "FullyQualifiedName~WebConsole.ConsoleBrowserTests|FullyQualifiedName~WebConsole.ConsolePagesBrowserTests"
