#!/usr/bin/env bash
# Whole-process ftrace text ingest speed: paired_medium.trace.txt (real 6.18 kernel text, 505,634 events) repeated to
# >= 500 MB in /tmp, read into EventChunks by FtraceTextReader (TraceReplay.Bench --ingest-text), beside `cat` and an
# `awk` field split of the same file, RUNS times each; prints medians of wall time, user CPU, events/s and peak RSS;
# then the same file parsed in segments on 2 threads (ChunkedFtraceTextReader).
# The machine is shared: wall-clock events/s depends on load; events per user-CPU-second is the one-core figure.
# Usage: bench/ingest-speed.sh [RUNS]   (env: SRC=path to paired_medium.trace.txt[.gz], WORK=/tmp/tracereplay-bench)
set -euo pipefail
RUNS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${SRC:-/work/shared/traces/real/paired_medium.trace.txt.gz}
WORK=${WORK:-/tmp/tracereplay-bench}
mkdir -p "$WORK"
ONE="$WORK/paired_medium.trace.txt"
BIG="$WORK/paired_medium.x7.trace.txt"
if [ ! -s "$ONE" ]; then
  case "$SRC" in *.gz) gunzip -c "$SRC" > "$ONE" ;; *) cp "$SRC" "$ONE" ;; esac
fi
if [ ! -s "$BIG" ]; then
  : > "$BIG"
  while [ "$(stat -c %s "$BIG")" -lt 500000000 ]; do cat "$ONE" >> "$BIG"; done
fi
BYTES=$(stat -c %s "$BIG")
echo "input: $BIG ($BYTES bytes, $(( BYTES / 1000000 )) MB)"

dotnet build -c Release "$ROOT/bench/TraceReplay.Bench" -v q -nologo > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
BENCH="$ROOT/bench/TraceReplay.Bench/bin/Release/net10.0/TraceReplay.Bench"

# independent event count: lines that look like "... [NNN] flags ts: name:" (header lines start with '#')
AWK_EVENTS=$(awk '$0 !~ /^#/ && NF > 0 {n++} END {print n}' "$BIG")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

run() { # label, command...
  local label=$1; shift
  local walls=() users=() rss=() out=""
  for _ in $(seq "$RUNS"); do
    out=$( { /usr/bin/time -v "$@" > "$WORK/stdout.txt"; } 2>&1 )
    walls+=("$(echo "$out" | awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}')")
    users+=("$(echo "$out" | awk -F': ' '/User time/ {print $2}')")
    rss+=("$(echo "$out" | awk -F': ' '/Maximum resident/ {print $2}')")
  done
  W=$(printf '%s\n' "${walls[@]}" | median); U=$(printf '%s\n' "${users[@]}" | median); R=$(printf '%s\n' "${rss[@]}" | median)
  printf '%-14s wall %7.2f s  user %6.2f s  peak RSS %7.1f MB  %s\n' "$label" "$W" "$U" "$(echo "$R / 1024" | bc -l)" "$(head -c 200 "$WORK/stdout.txt" | tr '\n' ' ')"
  LAST_WALL=$W; LAST_USER=$U; LAST_RSS=$R
}

echo "median of $RUNS runs each (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
run "cat" sh -c "cat '$BIG' > /dev/null; echo cat-done"
run "awk-fields" awk '{n+=NF} END {print "fields=" n}' "$BIG"
run "ingest" "$BENCH" --ingest-text "$BIG"
EVENTS=$(grep -o 'events=[0-9]*' "$WORK/stdout.txt" | cut -d= -f2)
echo "ingest events: $EVENTS   independent awk count: $AWK_EVENTS   (trace-cmd report of the twin: 505634 per copy)"
printf 'ingest: %.2f M events/s wall, %.2f M events per user-CPU-second (one core), peak RSS %.0f MB\n' \
  "$(echo "$EVENTS / $LAST_WALL / 1000000" | bc -l)" "$(echo "$EVENTS / $LAST_USER / 1000000" | bc -l)" "$(echo "$LAST_RSS / 1024" | bc -l)"
[ "$EVENTS" = "$AWK_EVENTS" ] || { echo "MISMATCH between ingest and awk event counts"; exit 1; }
SEQ_WALL=$LAST_WALL
# the same file parsed in segments on 2 threads (what analyze does with cores to spare, docs/formats/ftrace-text.md)
run "ingest, 2 thr" "$BENCH" --ingest-text "$BIG" threads=2
CHUNKED_EVENTS=$(grep -o 'events=[0-9]*' "$WORK/stdout.txt" | cut -d= -f2)
printf 'ingest in segments on 2 threads: %.2f M events/s wall (%.2fx the one-thread wall), peak RSS %.0f MB\n' \
  "$(echo "$CHUNKED_EVENTS / $LAST_WALL / 1000000" | bc -l)" "$(echo "$SEQ_WALL / $LAST_WALL" | bc -l)" "$(echo "$LAST_RSS / 1024" | bc -l)"
[ "$CHUNKED_EVENTS" = "$EVENTS" ] || { echo "MISMATCH between chunked and sequential event counts"; exit 1; }
COPIES=$(( BYTES / $(stat -c %s "$ONE") ))
if [ "$(basename "$SRC")" = "paired_medium.trace.txt.gz" ] && [ "$EVENTS" != "$(( COPIES * 505634 ))" ]; then
  echo "MISMATCH with trace-cmd report's 505634 events per copy ($COPIES copies)"; exit 1
fi
