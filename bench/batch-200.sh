#!/usr/bin/env bash
# Issue 8 acceptance run: a directory of 200 mixed inputs (real and public fixtures from tests/data, synthetic traces
# of every scenario and style over many seeds, console logs, one corrupt trace.dat, one empty file) analysed twice;
# prints the summary counts and whether the two runs' CSVs are byte-identical.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-/tmp/tracereplay-batch200}
rm -rf "$work"; mkdir -p "$work/in/real" "$work/in/public" "$work/in/synth" "$work/in/logs"
# ReadyToRun, as docs/quickstart.md installs it: no JIT warm-up inside the timing
dotnet publish src/TraceReplay.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/bin" -v q --nologo >/dev/null
tr="$work/bin/tracereplay"

cp tests/data/ingest/*.txt tests/data/ingest/*.gz tests/data/ingest/*.systrace tests/data/ingest/*.html "$work/in/public/" 2>/dev/null || true
cp tests/data/tracedat/*.dat "$work/in/real/" 2>/dev/null || true
cp traces/real/*.gz "$work/in/real/"
cp tests/data/lockdep/syzkaller-report-*.txt "$work/in/logs/"
n=$(find "$work/in" -type f | wc -l)
seed=1
while [ "$n" -lt 198 ]; do
  for sc in "memcg-free 3.7" "memcg-free 3.8" "cache-destroy 3.18" "cache-destroy 3.19" "alias-race 3.18" "alias-race 3.19"; do
    set -- $sc
    style=$(echo function function_graph kprobe | cut -d' ' -f$((seed % 3 + 1)))
    "$tr" synth --scenario "$1" --kernel "$2" --cpus 4 --seed "$seed" --style "$style" --out "$work/in/synth/$1-$2-$style-$seed.txt" >/dev/null
    n=$((n + 1)); [ "$n" -ge 198 ] && break
  done
  seed=$((seed + 1))
done
# one corrupt trace.dat (a real file with its pages overwritten) and one empty file
dat=$(ls "$work/in/real/"*.dat | head -1)
cp "$dat" "$work/in/real/corrupt.dat"
dd if=/dev/urandom of="$work/in/real/corrupt.dat" bs=4096 seek=40 count=64 conv=notrunc status=none
: > "$work/in/real/empty.txt"
echo "inputs: $(find "$work/in" -type f ! -name '*.json' | wc -l) files (+ truth.json companions)"

/usr/bin/time -f "run 1: %e s, peak RSS %M KB" "$tr" analyze "$work/in" --out "$work/out1" --quiet --layout single 2>"$work/run1.log" || true
tail -1 "$work/run1.log"; grep -E 'processed' "$work/run1.log"
/usr/bin/time -f "run 2: %e s, peak RSS %M KB" "$tr" analyze "$work/in" --out "$work/out2" --quiet --jobs 1 --layout single 2>"$work/run2.log" || true
tail -1 "$work/run2.log"
same=1
for f in "$work/out1"/*.csv; do cmp -s "$f" "$work/out2/$(basename "$f")" || { echo "DIFFERS: $(basename "$f")"; same=0; }; done
[ $same = 1 ] && echo "the two runs' CSVs are byte-identical ($(ls "$work/out1"/*.csv | wc -l) tables)"
echo "summary rows: $(($(wc -l < "$work/out1/summary.csv") - 1)); failed: $(grep -c ',failed,' "$work/out1/summary.csv" || true)"
grep 'corrupt.dat' "$work/out1/summary.csv" | cut -d, -f1-8
echo "ingest_errors rows for corrupt.dat: $(grep -c 'corrupt.dat' "$work/out1/ingest_errors.csv" || true)"
