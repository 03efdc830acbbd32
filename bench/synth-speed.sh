#!/usr/bin/env bash
# Whole-process timing of `tracereplay synth`: ~10 M events of background traffic (4 CPUs) in bounded memory.
# Prints events, wall/CPU time, events per CPU-second and peak RSS (/usr/bin/time -v). The box is shared: quote
# the median of several runs and compare CPU time, not wall time, when the load average is high.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-520}
style=${2:-function}
out=${TMPDIR:-/tmp}/synth-speed-$$.txt
dotnet build -c Release src/TraceReplay.Cli -v q -nologo >/dev/null
exe=src/TraceReplay.Cli/bin/Release/net10.0/tracereplay.dll
log=$(mktemp)
/usr/bin/time -v dotnet "$exe" synth --scenario background --kernel 3.18 --cpus 4 --seed 1 --scale "$scale" --style "$style" --out "$out" 2>"$log"
events=$(python3 -c "import json;print(json.load(open('$out.truth.json'))['trace_entries'])")
user=$(sed -n 's/.*User time (seconds): //p' "$log"); sys=$(sed -n 's/.*System time (seconds): //p' "$log")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log"); rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
python3 -c "e=$events;c=$user+$sys;print(f'events={e} wall={\"$wall\"} cpu={c:.2f}s events_per_cpu_s={e/c/1e6:.2f}M peak_rss={$rss/1024:.0f}MB load={open(\"/proc/loadavg\").read().split()[0]}')"
rm -f "$out" "$out.truth.json" "$log"
