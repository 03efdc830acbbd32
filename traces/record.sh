#!/usr/bin/env bash
# Records the kernel events TraceReplay's analyses need, in a PRIVATE tracefs instance (never the global tracer),
# and removes the instance afterwards. Run as root.
#
# usage: traces/record.sh [options] [-- WORKLOAD...]
#   -o FILE     output (default: trace-<kernel release>-<date>.txt, or .dat with -m trace-cmd); FILE.gz is gzipped
#   -m MODE     tracefs (default: plain tracefs, text of the instance's `trace` file)
#               trace-cmd (trace.dat via `trace-cmd record` with the flags locked-down kernels need)
#   -b KB       ring buffer per CPU in KiB (default 8192)
#   -n NAME     instance name (default tracereplay-$$)
#   -f FUNCS    also trace these functions with the function tracer (comma list; e.g. the destroy operations
#               kmem_cache_destroy,rcu_barrier,mem_cgroup_css_free); skipped with a warning when not allowed
#   -s EVENTS   add a kernel stack trace to these events (comma list, e.g. cgroup:cgroup_rmdir,kmem:kfree)
#   -x EVENTS   extra events to enable (comma list of system or system:event)
#   WORKLOAD    command to trace (default: a memcg v1 lifecycle: 5 x mkdir/rmdir of a child memcg, then 1 s
#               for the deferred css_killed / css_release / css_free work)
#
# What each analysis needs (the script enables whatever of this the running kernel has and says what is missing):
#   replay contexts      irq:irq_handler_entry/exit, irq:softirq_entry/exit/raise, sched:sched_switch/wakeup
#                        (plus the flags column, always present)
#   work items           workqueue:* (queue, activate, execute_start, execute_end)
#   memcg lifetimes      cgroup:* (mkdir, rmdir, release, ...) + workqueue:* (css_*_work_fn stages)
#   task lifetimes       sched:sched_process_fork/exit/free
#   kmem caches/objects  kmem:kmalloc, kfree, kmem_cache_alloc, kmem_cache_free (kmem:*)
#   lock usage           lock:lock_acquire/lock_release (CONFIG_LOCKDEP; lock_contended/acquired need
#                        CONFIG_LOCK_STAT); without them only lock:contention_begin/end exist and no usage bits
#   rcu_barrier counts   rcu:rcu_barrier, rcu:rcu_invoke_callback, rcu:rcu_batch_start/end (CONFIG_RCU_TRACE)
#                        or the destroy operations through -f (function tracer) or kprobes
#   unsafe frees         all of the above: the free stages and their context, the lock classes they take
set -uo pipefail

mode=tracefs out= buf=8192 name=tracereplay-$$ funcs= stacks= extra=
while getopts "o:m:b:n:f:s:x:h" opt; do
  case $opt in
    o) out=$OPTARG ;; m) mode=$OPTARG ;; b) buf=$OPTARG ;; n) name=$OPTARG ;;
    f) funcs=$OPTARG ;; s) stacks=$OPTARG ;; x) extra=$OPTARG ;;
    *) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 1 ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift

T=/sys/kernel/tracing
[ "$(id -u)" = 0 ] || { echo "record.sh: needs root" >&2; exit 1; }
if [ ! -d $T/instances ]; then
  # tracefs is not mounted in some containers; mounting it changes no tracing setting.
  mount -t tracefs nodev $T 2>/dev/null || { echo "record.sh: no tracefs at $T (mount -t tracefs nodev $T)" >&2; exit 1; }
fi
I=$T/instances/$name
release=$(uname -r)
[ -n "$out" ] || out=trace-$release-$(date +%Y%m%d-%H%M%S).$([ "$mode" = trace-cmd ] && echo dat || echo txt)

WANT="irq:irq_handler_entry irq:irq_handler_exit irq:softirq_entry irq:softirq_exit irq:softirq_raise
sched:sched_switch sched:sched_wakeup sched:sched_process_fork sched:sched_process_exit sched:sched_process_free
workqueue cgroup kmem:kmalloc kmem:kfree kmem:kmem_cache_alloc kmem:kmem_cache_free
lock:lock_acquire lock:lock_release lock:lock_acquired lock:lock_contended lock:contention_begin lock:contention_end
rcu:rcu_barrier rcu:rcu_invoke_callback rcu:rcu_batch_start rcu:rcu_batch_end $(echo "$extra" | tr , ' ')"
declare -A NEEDS=([lock:lock_acquire]=CONFIG_LOCKDEP [lock:lock_release]=CONFIG_LOCKDEP [lock:lock_acquired]=CONFIG_LOCK_STAT
  [lock:lock_contended]=CONFIG_LOCK_STAT [rcu:rcu_barrier]=CONFIG_RCU_TRACE [rcu:rcu_invoke_callback]=CONFIG_RCU_TRACE
  [rcu:rcu_batch_start]=CONFIG_RCU_TRACE [rcu:rcu_batch_end]=CONFIG_RCU_TRACE)

# The events this kernel has (system or system:event), and a note for each one it lacks.
present=()
for e in $WANT; do
  if [ -d "$T/events/${e/://}" ]; then present+=("$e")
  else echo "record.sh: no $e on this kernel${NEEDS[$e]:+ (needs ${NEEDS[$e]})}" >&2; fi
done

workload() {
  if [ $# -gt 0 ]; then "$@"; return; fi
  local m=/sys/fs/cgroup/memory
  [ -d $m ] || m=/sys/fs/cgroup   # cgroup v2: the memory controller lives in the unified tree
  for i in 1 2 3 4 5; do mkdir $m/tracereplay-$$-$i && rmdir $m/tracereplay-$$-$i; done
  sleep 1
}

if [ "$mode" = trace-cmd ]; then
  command -v trace-cmd >/dev/null || { echo "record.sh: trace-cmd not installed" >&2; exit 1; }
  args=(); for e in "${present[@]}"; do args+=(-e "$e"); done
  # -d: do not write /proc/sys/kernel/ftrace_enabled (EPERM on locked-down kernels); the function tracer (-f)
  # needs that write, so -f drops -d and works only where the sysctl is writable.
  dflag=-d
  if [ -n "$funcs" ]; then dflag=; args+=(-p function); for f in ${funcs//,/ }; do args+=(-l "$f"); done; fi
  [ -n "$stacks" ] && args+=(-T)   # trace-cmd has no per-event stack option: -T adds a stack to every event
  # --no-filter: do not open set_ftrace_pid (EPERM, and trace-cmd 3.1.6 then crashes);
  # -k: skip the final reset, which dies opening set_ftrace_filter (EPERM); we remove the instance below.
  trace-cmd record -q $dflag --no-filter -k -B "$name" -b "$buf" -o "${out%.gz}" "${args[@]}" -- bash -c "$(declare -f workload); workload${*:+ $(printf '%q ' "$@")}"
  rc=$?
  rmdir "$I" 2>/dev/null
  [ "${out%.gz}" != "$out" ] && gzip -f "${out%.gz}"
  echo "record.sh: wrote $out (trace-cmd, rc $rc)" >&2
  exit $rc
fi

cleanup() {
  [ -d "$I" ] || return
  echo 0 > "$I/tracing_on" 2>/dev/null
  echo nop > "$I/current_tracer" 2>/dev/null
  for e in ${stacks//,/ }; do { echo "!stacktrace" > "$I/events/${e/://}/trigger"; } 2>/dev/null; done
  rmdir "$I" || echo "record.sh: could not remove $I" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$I" || { echo "record.sh: cannot create instance $I" >&2; exit 1; }
echo 0 > "$I/tracing_on"
echo "$buf" > "$I/buffer_size_kb"
{ echo nohash-ptr > "$I/trace_options"; } 2>/dev/null || true   # real pointers let the replay link work items and objects
for e in "${present[@]}"; do echo 1 > "$I/events/${e/://}/enable" || echo "record.sh: could not enable $e" >&2; done
for e in ${stacks//,/ }; do
  echo stacktrace 2>/dev/null > "$I/events/${e/://}/trigger" || echo "record.sh: no stack trace trigger on $e" >&2
done
if [ -n "$funcs" ]; then
  if { echo "${funcs//,/ }" > "$I/set_ftrace_filter" && echo function > "$I/current_tracer"; } 2>/dev/null; then
    echo "record.sh: function tracer on ${funcs}" >&2
  else
    echo "record.sh: function tracer not allowed here (set_ftrace_filter / ftrace_enabled); destroy operations come only from tracepoints" >&2
    echo nop > "$I/current_tracer" 2>/dev/null
  fi
fi
echo > "$I/trace"
echo 1 > "$I/tracing_on"
workload "$@"
rc=$?
echo 0 > "$I/tracing_on"
case "$out" in
  *.gz) cat "$I/trace" | gzip -9 > "$out" ;;
  *) cat "$I/trace" > "$out" ;;
esac
lost=$(grep -h '^overrun:' "$I"/per_cpu/cpu*/stats | awk '{s += $2} END {print s + 0}')
echo "record.sh: wrote $out ($(grep -vc '^#' <(zcat -f "$out")) events, kernel $release, $lost events overwritten; workload rc $rc)" >&2
exit $rc
