#!/usr/bin/env bash
# Executes every notebook headless against an output folder of `tracereplay analyze` and fails if any cell fails.
# usage: notebooks/run-all.sh [OUTDIR] [EXECUTED_DIR]
#   OUTDIR        output folder to read (default: $TRACEREPLAY_OUT, else ../out relative to notebooks/)
#   EXECUTED_DIR  where the executed notebooks go (default: a temporary folder, printed at the end)
# Set TRACEREPLAY_FIGDIR=DIR to also get every figure as DIR/NAME.png.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${TRACEREPLAY_OUT:-$here/../out}}
executed=${2:-$(mktemp -d)}
[ -d "$out" ] || { echo "run-all.sh: output folder not found: $out" >&2; exit 1; }
command -v jupyter >/dev/null || { echo "run-all.sh: jupyter not installed (apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel python3-pandas python3-matplotlib)" >&2; exit 3; }
export TRACEREPLAY_OUT=$(cd "$out" && pwd)
export PYDEVD_DISABLE_FILE_VALIDATION=1 MPLBACKEND=Agg
mkdir -p "$executed"
failed=0
for nb in "$here"/[0-9][0-9]-*.ipynb; do
  name=$(basename "$nb")
  # Debian's python3 (pandas, matplotlib) runs the kernel; --execute stops at the first failing cell.
  if jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
       --output-dir "$executed" --output "$name" "$nb" >"$executed/$name.log" 2>&1; then
    echo "ok      $name"
  else
    echo "FAILED  $name (log: $executed/$name.log)"
    tail -n 30 "$executed/$name.log" >&2
    failed=$((failed + 1))
  fi
done
echo "executed notebooks in $executed"
[ $failed -eq 0 ] || { echo "$failed notebook(s) failed" >&2; exit 1; }
