#!/usr/bin/env bash
# Whole-process timing of the trace.dat reader (issue 7) against `trace-cmd report > /dev/null`.
# Usage: bench/tracedat-speed.sh [FILE] [RUNS]   (default: shared large_v7zstd.dat, 3 runs; medians printed)
# Targets: >= 2 M events/s decoded into EventChunks, >= 10x faster than trace-cmd, peak RSS <= 300 MB.
# The project machine is shared by other agents: compare medians, and read cpu_s (process CPU time) as well as wall.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=${1:-/work/shared/traces/real/large_v7zstd.dat}
RUNS=${2:-3}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
# ReadyToRun, as docs/quickstart.md installs the CLI: the JIT's fixed cost stays out of the timing
dotnet publish bench/TraceReplay.Bench -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$TMP/bin" -v q -nologo >/dev/null
BENCH=$TMP/bin/TraceReplay.Bench.dll

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for i in $(seq "$RUNS"); do
  /usr/bin/time -v dotnet "$BENCH" tracedat-decode "$FILE" >"$TMP/ours.$i" 2>"$TMP/ours_time.$i"
  grep -o 'rows=[0-9]*' "$TMP/ours.$i" | cut -d= -f2 >"$TMP/rows"
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$TMP/ours_time.$i" >>"$TMP/ours_wall"
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$TMP/ours_time.$i" >>"$TMP/ours_cpu"
  awk -F': ' '/Maximum resident/ {print $2}' "$TMP/ours_time.$i" >>"$TMP/ours_rss"
  if command -v trace-cmd >/dev/null; then
    /usr/bin/time -v trace-cmd report "$FILE" >/dev/null 2>"$TMP/tc_time.$i" || true
    awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$TMP/tc_time.$i" >>"$TMP/tc_wall"
    awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$TMP/tc_time.$i" >>"$TMP/tc_cpu"
  fi
  echo "run $i: ours $(tail -1 "$TMP/ours_wall") s wall, $(tail -1 "$TMP/ours_cpu") s cpu, $(tail -1 "$TMP/ours_rss") KB;" \
       "trace-cmd $(tail -1 "$TMP/tc_wall" 2>/dev/null || echo -) s wall, $(tail -1 "$TMP/tc_cpu" 2>/dev/null || echo -) s cpu"
done

ROWS=$(cat "$TMP/rows")
OW=$(median <"$TMP/ours_wall"); OC=$(median <"$TMP/ours_cpu"); OR=$(median <"$TMP/ours_rss")
echo "file: $FILE ($ROWS rows incl. lost-event markers), $RUNS runs, medians; load: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v r="$ROWS" -v w="$OW" -v c="$OC" -v m="$OR" 'BEGIN {printf "ours:      %.2f s wall (%.2f M events/s), %.2f s cpu (%.2f M events/s), peak RSS %.0f MB\n", w, r/w/1e6, c, r/c/1e6, m/1024}'
if [ -s "$TMP/tc_wall" ]; then
  TW=$(median <"$TMP/tc_wall"); TC=$(median <"$TMP/tc_cpu")
  awk -v w="$TW" -v c="$TC" -v ow="$OW" -v oc="$OC" 'BEGIN {printf "trace-cmd: %.2f s wall, %.2f s cpu; ratio %.1fx wall, %.1fx cpu\n", w, c, w/ow, c/oc}'
fi
