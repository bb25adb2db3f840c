#!/usr/bin/env bash
# The coding-agent CLIs against Candor, with the emulator as every upstream (docs/clients.md, "Agent CLIs"):
# Claude Code (`claude -p`, its default model), Codex CLI (`codex exec`, the Responses API), Gemini CLI (`gemini -p`,
# its default model) and opencode (`opencode run`, OpenAI-compatible chat). Each runs a one-shot prompt and a tool turn
# (the model calls the CLI's own file-reading tool, the CLI runs it, the model answers after the result) against two
# Candors: one that serves each CLI's model on the CLI's own wire (same-wire) and one that serves the same model names
# on another wire (translated). The CLIs are pinned by clients/agents/package-lock.json.
#
# Offline by design: a throwaway HOME per CLI, every telemetry, update, feedback and sharing setting each documents
# turned off, and a timeout per run; anything a CLI tries to reach besides Candor fails.
#
# Usage: clients/agents.sh [claude|codex|gemini|opencode ...]   (default: all four)
# Env:   AGENTS_TIMEOUT (seconds per run, default 240), NPM_CACHE (npm's cache directory), AGENTS_KEEP=1 (keep the
#        work directory: configurations, logs, each run's output).
# Needs: dotnet (builds src/Candor.Server and src/Candor.Emulator when their output is missing), node >= 20, npm.
# Prints one line per run and a table; exits 1 when any run fails.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
AGENTS="$ROOT/clients/agents"
TIMEOUT=${AGENTS_TIMEOUT:-240}
CLIS=("$@")
[ ${#CLIS[@]} -eq 0 ] && CLIS=(claude codex gemini opencode)
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/candor-agents.XXXXXX")
KEY="sk-agents-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  if [ "${AGENTS_KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_http() { # url
  for _ in $(seq 1 120); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done
  echo "not answering: $1" >&2; return 1
}

# ---------------------------------------------------------------- the CLIs
if [ ! -x "$AGENTS/node_modules/.bin/claude" ] || [ ! -x "$AGENTS/node_modules/.bin/opencode" ]; then
  # npm 11 refuses `npm ci` here because the lock has no entries for opencode's optional packages of other platforms;
  # `npm install` then installs the same pinned versions from the lock.
  (cd "$AGENTS" && { npm ci --no-audit --no-fund ${NPM_CACHE:+--cache "$NPM_CACHE"} || npm install --no-audit --no-fund ${NPM_CACHE:+--cache "$NPM_CACHE"}; } >"$WORK/npm.log" 2>&1) \
    || { cat "$WORK/npm.log"; exit 1; }
fi
BIN="$AGENTS/node_modules/.bin"

# ---------------------------------------------------------------- Candor and the emulator
SERVER="$ROOT/src/Candor.Server/bin/Debug/net10.0/candor.dll"
EMULATOR="$ROOT/src/Candor.Emulator/bin/Debug/net10.0/Candor.Emulator.dll"
if [ ! -f "$SERVER" ] || [ ! -f "$EMULATOR" ]; then
  dotnet build "$ROOT/src/Candor.Server" -nologo -v q >"$WORK/build.log" 2>&1 && dotnet build "$ROOT/src/Candor.Emulator" -nologo -v q >>"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; exit 1; }
fi

EMU_PORT=$(free_port)
EMU="http://127.0.0.1:$EMU_PORT"
dotnet "$EMULATOR" --urls "$EMU" --api-key upstream-secret >"$WORK/emulator.log" 2>&1 &
PIDS+=($!)
wait_http "$EMU/_emulator/health" || exit 1

# The models each CLI asks for by default (Claude Code 2.1.328: claude-opus-5-5 and Haiku for small tasks; Gemini CLI
# 0.61.0: gemini-3.1-pro-preview and flash(-lite) models for routing), plus the names the Codex and opencode
# configurations below choose. Same-wire: each on its CLI's own wire (Codex on the Responses API itself, through the
# openai-responses channel). Translated: Claude Code -> OpenAI chat, Gemini CLI -> Anthropic, Codex -> Anthropic,
# opencode -> Gemini.
write_config() { # file claude-channel claude-model gemini-channel gemini-model codex-channel codex-model opencode-channel opencode-model
  local f=$1
  {
    cat <<EOF
channels:
  - { id: oa, provider: openai, base_url: "$EMU/v1", api_key_env: UPSTREAM_KEY }
  - { id: or, provider: openai-responses, base_url: "$EMU/v1", api_key_env: UPSTREAM_KEY }
  - { id: an, provider: anthropic, base_url: "$EMU", api_key_env: UPSTREAM_KEY }
  - { id: ge, provider: gemini, base_url: "$EMU", api_key_env: UPSTREAM_KEY }
models:
EOF
    for m in claude-opus-5-5 claude-sonnet-5-5 claude-haiku-4-5 claude-haiku-5-0; do
      echo "  - { name: $m, deployments: [{ channel: $2, model: $3 }] }"
    done
    for m in gemini-3.1-pro-preview gemini-3.5-flash gemini-3.5-flash-lite gemini-2.5-flash gemini-2.5-flash-lite gemini-2.5-pro; do
      echo "  - { name: $m, deployments: [{ channel: $4, model: $5 }] }"
    done
    echo "  - { name: m-codex, deployments: [{ channel: $6, model: $7 }] }"
    echo "  - { name: m-opencode, deployments: [{ channel: $8, model: $9 }] }"
    cat <<EOF
keys:
  - { name: agents, key_env: CANDOR_AGENTS_KEY }
EOF
  } >"$f"
}
write_config "$WORK/same-wire.yaml" an claude-opus-5-5 ge gemini-3.1-pro-preview or o4-mini oa gpt-4o-mini
write_config "$WORK/translated.yaml" oa gpt-4o-mini an claude-sonnet-4-5 an claude-sonnet-4-5 ge gemini-2.5-flash

declare -A CANDOR
for side in same-wire translated; do
  port=$(free_port)
  UPSTREAM_KEY=upstream-secret CANDOR_AGENTS_KEY=$KEY dotnet "$SERVER" serve --config "$WORK/$side.yaml" --urls "http://127.0.0.1:$port" \
    --no-watch --log-level Warning >"$WORK/candor-$side.log" 2>&1 &
  PIDS+=($!)
  CANDOR[$side]="http://127.0.0.1:$port"
done
for side in same-wire translated; do wait_http "${CANDOR[$side]}/livez" || exit 1; done
sleep 1

# ---------------------------------------------------------------- one run
mkdir -p "$WORK/project"
echo "The secret word is candor." >"$WORK/project/hello.txt"
HELLO="$WORK/project/hello.txt"

# The prompts steer the emulator: the one-shot answers with text although the CLI offers tools; the tool turn calls the
# CLI's file-reading tool with arguments that read hello.txt, and answers "TOOL TURN OK" once the result comes back.
oneshot_prompt() { echo "[[emulator:tool=none;reply=ONE SHOT OK]] Say hello."; }
tool_prompt() { # tool-name args-json
  echo "[[emulator:tool=$1;tool_args=$2;reply=TOOL TURN OK]] Read hello.txt and tell me the secret word."
}

run_cli() { # cli side kind -> prints the CLI's answer to stdout; returns the CLI's status
  local cli=$1 side=$2 kind=$3 url=${CANDOR[$2]} home="$WORK/home-$1-$2-$3" prompt
  mkdir -p "$home"
  case $cli in
    claude)
      [ "$kind" = oneshot ] && prompt=$(oneshot_prompt) || prompt=$(tool_prompt Read "{\"file_path\":\"$HELLO\"}")
      (cd "$WORK/project" && HOME=$home ANTHROPIC_BASE_URL=$url ANTHROPIC_API_KEY=$KEY \
        DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 DISABLE_AUTOUPDATER=1 DISABLE_BUG_COMMAND=1 \
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY=1 \
        timeout "$TIMEOUT" "$BIN/claude" -p "$prompt" --allowedTools Read </dev/null)
      ;;
    codex)
      [ "$kind" = oneshot ] && prompt=$(oneshot_prompt) || prompt=$(tool_prompt exec_command '{"cmd":"cat hello.txt"}')
      mkdir -p "$home/codex"
      cat >"$home/codex/config.toml" <<EOF
model = "m-codex"
model_provider = "candor"
check_for_update_on_startup = false
web_search = "disabled"

[agents]
enabled = false

[features]
goals = false

[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"

[model_providers.candor]
name = "Candor"
base_url = "$url/v1"
env_key = "CANDOR_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
EOF
      (cd "$WORK/project" && HOME=$home CODEX_HOME="$home/codex" CANDOR_API_KEY=$KEY \
        timeout "$TIMEOUT" "$BIN/codex" exec --skip-git-repo-check --sandbox read-only \
          --output-last-message "$home/answer.txt" "$prompt" </dev/null >"$home/codex.log" 2>&1)
      local status=$?
      cat "$home/answer.txt" 2>/dev/null
      [ $status -eq 0 ] || tail -5 "$home/codex.log" >&2
      return $status
      ;;
    gemini)
      [ "$kind" = oneshot ] && prompt=$(oneshot_prompt) || prompt=$(tool_prompt read_file "{\"file_path\":\"$HELLO\"}")
      mkdir -p "$home/.gemini"
      cat >"$home/.gemini/settings.json" <<'EOF'
{"privacy": {"usageStatisticsEnabled": false}, "telemetry": {"enabled": false},
 "general": {"disableAutoUpdate": true, "enableAutoUpdate": false, "enableAutoUpdateNotification": false},
 "security": {"auth": {"selectedType": "gemini-api-key"}}}
EOF
      (cd "$WORK/project" && HOME=$home GOOGLE_GEMINI_BASE_URL=$url GEMINI_API_KEY=$KEY GEMINI_TELEMETRY_ENABLED=false \
        GEMINI_CLI_TRUST_WORKSPACE=true timeout "$TIMEOUT" "$BIN/gemini" -p "$prompt" </dev/null)
      ;;
    opencode)
      [ "$kind" = oneshot ] && prompt=$(oneshot_prompt) || prompt=$(tool_prompt read "{\"filePath\":\"$HELLO\"}")
      mkdir -p "$home/project"
      cp "$HELLO" "$home/project/"
      cat >"$home/project/opencode.json" <<EOF
{"\$schema": "https://opencode.ai/config.json", "autoupdate": false, "share": "disabled",
 "provider": {"candor": {"npm": "@ai-sdk/openai-compatible", "name": "Candor",
   "options": {"baseURL": "$url/v1", "apiKey": "{env:CANDOR_API_KEY}"}, "models": {"m-opencode": {"name": "m-opencode"}}}},
 "model": "candor/m-opencode"}
EOF
      (cd "$home/project" && HOME=$home CANDOR_API_KEY=$KEY OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_LSP_DOWNLOAD=true \
        OPENCODE_DISABLE_MODELS_FETCH=true OPENCODE_DISABLE_DEFAULT_PLUGINS=true OPENCODE_DISABLE_SHARE=true \
        timeout "$TIMEOUT" "$BIN/opencode" run "$prompt" </dev/null)
      ;;
  esac
}

# ---------------------------------------------------------------- the matrix
declare -A CELL
failed=0
for cli in "${CLIS[@]}"; do
  for side in same-wire translated; do
    for kind in oneshot tool; do
      started=$(date +%s)
      out="$WORK/$cli-$side-$kind.out"
      run_cli "$cli" "$side" "$kind" >"$out" 2>"$out.err"
      status=$?
      want="ONE SHOT OK"; [ "$kind" = tool ] && want="TOOL TURN OK"
      if [ $status -eq 0 ] && grep -q "$want" "$out"; then
        CELL[$cli,$side,$kind]="ok"
        echo "PASS $cli $side $kind ($(( $(date +%s) - started )) s)"
      else
        CELL[$cli,$side,$kind]="FAIL"
        failed=1
        echo "FAIL $cli $side $kind (exit $status, $(( $(date +%s) - started )) s): $(tail -c 400 "$out.err" | tr '\n' ' ') $(tail -c 200 "$out" | tr '\n' ' ')"
      fi
    done
  done
done

echo
echo "| CLI | same-wire one-shot | same-wire tool turn | translated one-shot | translated tool turn |"
echo "|---|---|---|---|---|"
for cli in "${CLIS[@]}"; do
  echo "| $cli | ${CELL[$cli,same-wire,oneshot]} | ${CELL[$cli,same-wire,tool]} | ${CELL[$cli,translated,oneshot]} | ${CELL[$cli,translated,tool]} |"
done
exit $failed
