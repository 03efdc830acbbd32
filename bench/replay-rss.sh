#!/usr/bin/env bash
# Replay memory vs input size (issue 3): whole-process peak RSS for the first 100, 250, 500 and 1000 MB of a text
# trace made of the real paired_medium capture repeated (later copies without the header, as one long capture).
# Prints the median over RUNS (default 3) per size: peak RSS (VmHWM), and the managed heap still live after a full GC
# (the replay's state), bytes allocated and GC counts; then the reader alone (baseline). The loop calls
# GarbageBudget.Check() after each chunk as the CLI does: without it no collection happens before ~1 GB on a machine
# with a large L3 cache and peak RSS grows with the garbage, not the state.
# Needs ../shared (or SHARED=dir). Usage: bench/replay-rss.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shared=${SHARED:-../shared}
work=${WORK:-/tmp/tracereplay-bench}
mkdir -p "$work"
text="$work/paired_medium_1g.trace.txt"
if [ ! -s "$text" ]; then
  gunzip -c "$shared/traces/real/paired_medium.trace.txt.gz" > "$work/one.txt"
  cp "$work/one.txt" "$text"
  while [ "$(stat -c %s "$text")" -lt $((1030 * 1024 * 1024)) ]; do grep -v '^#' "$work/one.txt" >> "$text"; done
  rm -f "$work/one.txt"
fi
dotnet build bench/replay-rss.cs -c Release -v q --nologo >/dev/null
median() { for _ in $(seq "$runs"); do "$@" | head -1; done | sort -t= -k5n | awk -v runs="$runs" 'NR==int((runs+1)/2)'; }
for mb in 100 250 500 1000; do
  echo "default GC:    $(median dotnet run --no-build -c Release bench/replay-rss.cs -- "$text" "$mb")"
  echo "reader only:   $(median dotnet run --no-build -c Release bench/replay-rss.cs -- "$text" "$mb" read-only)"
done
