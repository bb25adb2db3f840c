#!/usr/bin/env bash
# Native crypto calls per request (issue 18, item 2 follow-up): uprobes on libcrypto functions, counted by `perf stat`
# over the benchmark process sending N requests (bench/Candor.Benchmarks crypto-calls), minus a run sending none; the
# difference divided by N is the calls per request. Counts, not times: they hold on a loaded machine. Needs root (perf
# probe); the probes are removed on exit. Not part of CI.
#
#   bench/crypto-calls.sh                 # every, bare and direct, 2000 requests each
#   N=4000 WHICH="every bare" bench/crypto-calls.sh
#   DLL=/tmp/old/Candor.Benchmarks.dll bench/crypto-calls.sh   # another build
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000} WHICH=${WHICH:-"every bare direct"}
DLL=${DLL:-bench/Candor.Benchmarks/bin/Release/net10.0/Candor.Benchmarks.dll}
LIB=${LIB:-$(ldconfig -p | awk '/libcrypto\.so\.3 .*x86-64/ {print $NF; exit}')}
# ERR_clear_error: .NET's shim clears OpenSSL's error queue on entry to (nearly) every native crypto call, so it counts them.
FUNCS=${FUNCS:-"ERR_clear_error EVP_MD_CTX_new EVP_MAC_CTX_new RAND_bytes_ex EVP_DigestSign"}
[ -f "$DLL" ] || dotnet build -c Release bench/Candor.Benchmarks >/dev/null
events=()
for f in $FUNCS; do
  perf probe -q -x "$LIB" --no-inlines "$f" 2>/dev/null || true
  events+=(-e "probe_libcrypto:$f")
done
trap 'perf probe -q -d "probe_libcrypto:*" 2>/dev/null || true' EXIT
count() { # which n → "func count" lines
  perf stat -x, "${events[@]}" -- dotnet "$DLL" crypto-calls "$1" "$2" 2>&1 >/dev/null | awk -F, '/probe_libcrypto/ {split($3, e, ":"); c[e[2]] += $1} END {for (k in c) print k, c[k]}'
}
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg) N=$N dll=$DLL"
for w in $WHICH; do
  declare -A zero=()
  while read -r f c; do zero[$f]=$c; done < <(count "$w" 0)
  while read -r f c; do
    awk -v w="$w" -v f="$f" -v c="$c" -v z="${zero[$f]:-0}" -v n="$N" 'BEGIN {printf "%-7s %-18s %8.2f per request\n", w, f, (c - z) / n}'
  done < <(count "$w" "$N" | sort)
  unset zero
done
