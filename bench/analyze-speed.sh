#!/usr/bin/env bash
# Whole-process timing of `tracereplay analyze` (issue 8), in one run:
#   - a large real text trace (paired_medium text repeated to >= TARGET_MB, default 500) and
#   - large_v7zstd.dat (5.1M events),
# each beside `cat` (the read limit) and, for the .dat, `trace-cmd report` (the reference reader).
# Prints wall seconds (median of RUNS), events/s, ratios to cat and peak RSS. Needs ../shared (or SHARED=dir).
# Usage: bench/analyze-speed.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shared=${SHARED:-../shared}
target_mb=${TARGET_MB:-500}
work=${WORK:-/tmp/tracereplay-bench}
mkdir -p "$work"

# ReadyToRun, as docs/quickstart.md installs it: no JIT warm-up inside the timing
dotnet publish src/TraceReplay.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/bin" -v q --nologo >/dev/null
tr="$work/bin/tracereplay"

text="$work/paired_medium_x.trace.txt"
if [ ! -s "$text" ]; then
  gunzip -c "$shared/traces/real/paired_medium.trace.txt.gz" > "$work/one.txt"
  : > "$text"
  while [ "$(stat -c %s "$text")" -lt $((target_mb * 1024 * 1024)) ]; do
    # later copies without the header, as one long capture
    if [ -s "$text" ]; then grep -v '^#' "$work/one.txt" >> "$text"; else cat "$work/one.txt" >> "$text"; fi
  done
  rm -f "$work/one.txt"
fi
dat="$shared/traces/real/large_v7zstd.dat"

# median wall seconds and max RSS (KiB) over $runs runs of a command
measure() {
  local secs=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; return 1; }
    read -r s m _ _ < "$work/time.txt"
    secs+=("$s"); [ "$m" -gt "$rss" ] && rss=$m
  done
  printf '%s\n' "${secs[@]}" | sort -n | awk -v rss="$rss" '{a[NR]=$1} END {printf "%s %d\n", a[int((NR+1)/2)], rss}'
}

report() { # name file events
  local name=$1 file=$2 events=$3 catline an tc=""
  catline=$(measure cat "$file")
  an=$(measure "$tr" analyze "$file" --out "$work/out" --quiet --jobs 1)
  read -r cs _ <<<"$catline"; read -r as arss <<<"$an"
  printf "%-22s %10s events  cat %6.2fs  analyze %6.2fs  %5.2f M ev/s  %5.1fx cat  peak RSS %4d MB" \
    "$name" "$events" "$cs" "$as" "$(echo "$events / $as / 1000000" | bc -l)" "$(echo "$as / ($cs + 0.005)" | bc -l)" $((arss / 1024))
  if [ "${4:-}" = tc ] && command -v trace-cmd >/dev/null; then
    tc=$(measure trace-cmd report -i "$file"); read -r ts _ <<<"$tc"
    printf '  trace-cmd %6.2fs (%.1fx slower than analyze)' "$ts" "$(echo "$ts / $as" | bc -l)"
  fi
  echo
}

text_events=$(grep -vc '^#' "$text" || true)
echo "runs=$runs, medians; machine: $(nproc) cores; $(date -u +%FT%TZ)"
report "text $(($(stat -c %s "$text") / 1048576)) MB" "$text" "$text_events"
if [ -f "$dat" ]; then
  dat_events=$("$tr" analyze "$dat" --out "$work/count" --format csv --quiet 2>/dev/null >/dev/null; tail -n +2 "$work/count/summary.csv" | cut -d, -f8)
  report "large_v7zstd.dat" "$dat" "$dat_events" tc
fi
