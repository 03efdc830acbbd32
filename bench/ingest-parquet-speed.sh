#!/usr/bin/env bash
# Whole-process timing of `tracereplay ingest --format parquet` (issue 2: >= 1.5 M events/s including the Parquet write
# of the events table, peak RSS <= 400 MB) on the real 6.18 text repeated to >= 500 MB, beside `cat` of the same file
# and an awk field split, in one run. With BASE=<git ref> (e.g. BASE=main) the same ingest built from that ref is timed too, interleaved run by
# run with this tree's, so before and after share the machine's load. Prints medians of RUNS runs (default 5): wall,
# user+sys CPU, events/s (wall and per CPU-second) and peak RSS. Composite ReadyToRun publish (COMPOSITE=0: plain),
# runtime settings as shipped. Pin to one core with `taskset -c 0 bench/ingest-parquet-speed.sh`.
# Usage: bench/ingest-parquet-speed.sh [RUNS]   (env: BASE=ref, WORK=/tmp/tracereplay-bench, SHARED=../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=${WORK:-/tmp/tracereplay-bench}
shared=${SHARED:-../shared}
export DOTNET_TieredPGO=0 DOTNET_TC_QuickJitForLoops=0
mkdir -p "$work"

text="$work/paired_medium_x.trace.txt"
if [ ! -s "$text" ]; then # as bench/analyze-speed.sh builds it: later copies without the header, one long capture
  gunzip -c "$shared/traces/real/paired_medium.trace.txt.gz" > "$work/one.txt"
  : > "$text"
  while [ "$(stat -c %s "$text")" -lt $((500 * 1024 * 1024)) ]; do
    if [ -s "$text" ]; then grep -v '^#' "$work/one.txt" >> "$text"; else cat "$work/one.txt" >> "$text"; fi
  done
  rm -f "$work/one.txt"
fi
events=$(grep -vc '^#' "$text" || true)

publish() { # source dir, output dir: self-contained composite ReadyToRun, as docs/quickstart.md installs it for large
  # inputs (own obj/ and bin/ folders, see analyze-speed.sh); COMPOSITE=0 publishes plain ReadyToRun instead
  if [ "${COMPOSITE:-1}" = 1 ]; then
    dotnet publish "$1/src/TraceReplay.Cli" -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true \
      -p:IntermediateOutputPath=obj/composite/ -p:OutputPath=bin/composite/ -o "$2" -v q --nologo >/dev/null
  else
    dotnet publish "$1/src/TraceReplay.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$2" -v q --nologo >/dev/null
  fi
}
publish . "$work/pq-after"
labels=("cat" "awk field split" "ingest (this tree)")
cmds=("cat $text" "awk {n+=NF}END{print(n)} $text" "$work/pq-after/tracereplay ingest $text --out $work/pq-out --format parquet --quiet")
if [ -n "${BASE:-}" ]; then
  rm -rf "$work/pq-base-src" && mkdir -p "$work/pq-base-src"
  git archive "$BASE" | tar -x -C "$work/pq-base-src"
  publish "$work/pq-base-src" "$work/pq-before"
  labels+=("ingest ($BASE)")
  cmds+=("$work/pq-before/tracereplay ingest $text --out $work/pq-out --format parquet --quiet")
fi

declare -A wall cpu rss
for _ in $(seq "$runs"); do
  for i in "${!cmds[@]}"; do
    rm -rf "$work/pq-out"
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" ${cmds[$i]} >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
    read -r s m u y < "$work/time.txt"
    wall[$i]+="$s "; cpu[$i]+="$(echo "$u + $y" | bc -l) "; rss[$i]+="$m "
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "$(basename "$text"): $(($(stat -c %s "$text") / 1000000)) MB, $events events; medians of $runs runs; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
for i in "${!cmds[@]}"; do
  w=$(echo "${wall[$i]}" | median); c=$(echo "${cpu[$i]}" | median); r=$(echo "${rss[$i]}" | median)
  if [ "$i" -le 1 ]; then
    printf '%-22s wall %6.2f s  CPU %6.2f s  peak RSS %4d MB\n' "${labels[$i]}" "$w" "$c" $((r / 1024))
  else
    printf '%-22s wall %6.2f s  CPU %6.2f s  = %4.2f M events/s wall, %4.2f M events per CPU-second  peak RSS %4d MB\n' \
      "${labels[$i]}" "$w" "$c" "$(echo "$events / $w / 1000000" | bc -l)" "$(echo "$events / $c / 1000000" | bc -l)" $((r / 1024))
  fi
done
rm -rf "$work/pq-out"
