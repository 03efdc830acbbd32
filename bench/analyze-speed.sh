#!/usr/bin/env bash
# Whole-process timing of `tracereplay analyze` (issue 8), in one run:
#   - a large real text trace (paired_medium text repeated to >= TARGET_MB, default 500) and
#   - large_v7zstd.dat (5.1M events),
# each beside `cat` (the read limit) and, for the .dat, `trace-cmd report` (the reference reader).
# Prints wall seconds (median of RUNS), events/s, ratios to cat and peak RSS. Needs ../shared (or SHARED=dir).
# Then peak RSS on ~100 MB and >= 2 GB of the same text (SKIP_RSS=1 skips it).
# Usage: bench/analyze-speed.sh [RUNS]   (SKIP_TEXT=1: only the .dat; SKIP_RSS=1: no memory runs)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shared=${SHARED:-../shared}
target_mb=${TARGET_MB:-500}
work=${WORK:-/tmp/tracereplay-bench}
mkdir -p "$work"

# ReadyToRun, as docs/quickstart.md installs it: self-contained and composite (app and framework compiled together, so
# the framework's generics over our types and Parquet.Net's are precompiled too), no JIT warm-up inside the timing.
# Its own folder: other scripts publish the framework-dependent build into $work/bin.
# Own obj/ and bin/ folders: a later plain ReadyToRun publish (other bench scripts) would otherwise find the composite's
# component stubs and self-contained runtimeconfig up to date and ship them (that binary would not start).
dotnet publish src/TraceReplay.Cli -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true \
  -p:IntermediateOutputPath=obj/composite/ -p:OutputPath=bin/composite/ -o "$work/bin-composite" -v q --nologo >/dev/null
tr="$work/bin-composite/tracereplay"

text="$work/paired_medium_x.trace.txt"
if [ "${SKIP_TEXT:-0}" != 1 ] && [ ! -s "$text" ]; then
  gunzip -c "$shared/traces/real/paired_medium.trace.txt.gz" > "$work/one.txt"
  : > "$text"
  while [ "$(stat -c %s "$text")" -lt $((target_mb * 1024 * 1024)) ]; do
    # later copies without the header, as one long capture
    if [ -s "$text" ]; then grep -v '^#' "$work/one.txt" >> "$text"; else cat "$work/one.txt" >> "$text"; fi
  done
  rm -f "$work/one.txt"
fi
dat="$shared/traces/real/large_v7zstd.dat"

# median wall seconds, median CPU seconds (user+sys, all threads) and max RSS (KiB) over $runs runs of a command
measure() {
  local secs=() cpus=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; return 1; }
    read -r s m u y < "$work/time.txt"
    secs+=("$s"); cpus+=("$(echo "$u + $y" | bc -l)"); [ "$m" -gt "$rss" ] && rss=$m
  done
  local ms mc
  ms=$(printf '%s\n' "${secs[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mc=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$ms $mc $rss"
}

report() { # name file events [tc]
  local name=$1 file=$2 events=$3 catline an
  catline=$(measure cat "$file")
  an=$(measure "$tr" analyze "$file" --out "$work/out" --quiet)
  read -r cs _ _ <<<"$catline"; read -r as ac arss <<<"$an"
  printf "%-22s %9s events  cat %5.2fs  analyze %5.2fs wall = %4.2f M ev/s (%4.1fx cat), %5.2f CPU-s = %4.2f M ev/s per CPU-second, peak RSS %4d MB" \
    "$name" "$events" "$cs" "$as" "$(echo "$events / $as / 1000000" | bc -l)" "$(echo "$as / ($cs + 0.005)" | bc -l)" \
    "$ac" "$(echo "$events / $ac / 1000000" | bc -l)" $((arss / 1024))
  if [ "${4:-}" = tc ] && command -v trace-cmd >/dev/null; then
    local tc ts
    tc=$(measure trace-cmd report -i "$file"); read -r ts _ _ <<<"$tc"
    printf '\n%-22s trace-cmd report %5.2fs (%.1fx the analyze time)' "" "$ts" "$(echo "$ts / $as" | bc -l)"
  fi
  echo
}

echo "runs=$runs, medians; machine: $(nproc) cores; $(date -u +%FT%TZ)"
if [ "${SKIP_TEXT:-0}" != 1 ]; then
  text_events=$(grep -vc '^#' "$text" || true)
  report "text $(($(stat -c %s "$text") / 1048576)) MB" "$text" "$text_events"
fi
if [ -f "$dat" ]; then
  dat_events=$("$tr" analyze "$dat" --out "$work/count" --format csv --quiet 2>/dev/null >/dev/null; tail -n +2 "$work/count/summary.csv" | cut -d, -f8)
  report "large_v7zstd.dat" "$dat" "$dat_events" tc
fi

# Memory bound (issue 8): peak RSS of analyze on ~100 MB and >= 2 GB of the same real text (one run each).
if [ "${SKIP_RSS:-0}" != 1 ]; then
  small="$work/paired_medium_100mb.trace.txt"; big="$work/paired_medium_2gb.trace.txt"
  [ -s "$small" ] || { head -c 100000000 "$text" | sed '$d' > "$small"; }
  if [ ! -s "$big" ]; then
    cp "$text" "$big"
    while [ "$(stat -c %s "$big")" -lt 2147483648 ]; do grep -v '^#' "$text" >> "$big"; done
  fi
  for f in "$small" "$big"; do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$tr" analyze "$f" --out "$work/out" --quiet >/dev/null 2>&1
    read -r s m < "$work/time.txt"
    printf 'memory: %5d MB input  analyze %6.2fs  peak RSS %4d MB\n' $(( $(stat -c %s "$f") / 1048576 )) "$s" $((m / 1024))
  done
fi
