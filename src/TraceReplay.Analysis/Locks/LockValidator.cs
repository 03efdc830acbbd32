using TraceReplay.Analysis.Common;
using TraceReplay.Core.Interning;

namespace TraceReplay.Analysis.Locks;

/// <summary>
/// Lockdep's state machine over traced (or inferred) acquisitions (lockdep.md §8.5–8.11, modern semantics without
/// recursive-read distinctions, which the lock tracepoints do not carry): per class usage bits with the event that
/// first set each, the inconsistent-state rule, the held-while-acquired dependency graph with irq-safe → irq-unsafe,
/// irq-inversion, circular and recursive detection. Findings are deduplicated by (kind, classes, bits); it never stops
/// after the first one as lockdep does.
/// </summary>
public sealed class LockValidator
{
    /// <summary>Lockdep's MAX_LOCK_DEPTH: a longer held stack means releases were missed.</summary>
    const int MaxDepth = 48;

    readonly NameTable _names;
    readonly List<LockClass> _classes = new();
    readonly Dictionary<int, int> _classByName = new();
    readonly Dictionary<int, List<HeldLock>> _held = new();
    readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    readonly List<LockFinding> _findings = new();
    readonly Queue<int> _bfsQueue = new();
    int[] _bfsParent = [];
    int _heldTasks;

    public LockValidator(NameTable names) => _names = names;

    public IReadOnlyList<LockClass> Classes => _classes;
    public IReadOnlyList<LockFinding> Findings => _findings;
    /// <summary>Releases of locks not on the task's held stack (trace started while held, or lost events).</summary>
    public long UnmatchedReleases { get; private set; }
    /// <summary>Held stacks dropped because they exceeded lockdep's depth (missed releases).</summary>
    public long OverflowResets { get; private set; }
    public bool AnyHeld => _heldTasks > 0;

    public sealed class LockClass(int id, int name)
    {
        public int Id { get; } = id;
        public int Name { get; } = name;
        public int Usage { get; internal set; }
        public EventRef[] FirstUse { get; } = new EventRef[LockUsage.BitCount];
        public long Acquisitions { get; internal set; }
        /// <summary>Classes acquired while this one was held (locks_after), with the first event that did so.</summary>
        internal readonly Dictionary<int, EventRef> After = new();
        internal readonly List<int> Before = new();
        public bool Has(int bit) => (Usage & (1 << bit)) != 0;
    }

    public readonly record struct HeldLock(int Class, ulong Instance, bool Read, bool Trylock, int IrqContext, EventRef Acquired);

    /// <summary>The irq state of the code doing an acquisition or state change.</summary>
    public readonly record struct IrqState(bool InHardirq, bool InSoftirq, bool HardirqsEnabled, bool SoftirqsEnabled)
    {
        public int IrqContext => InHardirq ? 2 : InSoftirq ? 1 : 0;
    }

    public LockClass ClassOf(int name)
    {
        if (!_classByName.TryGetValue(name, out int id))
        {
            id = _classes.Count;
            _classes.Add(new LockClass(id, name));
            _classByName[name] = id;
        }
        return _classes[id];
    }

    public LockClass? FindClass(int name) => _classByName.TryGetValue(name, out int id) ? _classes[id] : null;

    public IReadOnlyList<HeldLock> HeldBy(int task) => _held.TryGetValue(task, out var s) ? s : [];

    /// <summary>A held lock whose instance lies in [from, to) — lockdep's debug_check_no_locks_freed.</summary>
    public bool TryFindHeldIn(ulong from, ulong to, out HeldLock found)
    {
        foreach (var stack in _held.Values)
            foreach (var h in stack)
                if (h.Instance >= from && h.Instance < to)
                {
                    found = h;
                    return true;
                }
        found = default;
        return false;
    }

    /// <summary>
    /// True when an event of the task in this irq state would set a new ENABLED bit on a lock it holds — checked before
    /// building the event reference, since it is asked for every event while locks are held.
    /// </summary>
    public bool WouldMarkEnabled(int task, IrqState irq)
    {
        if (!irq.HardirqsEnabled || !_held.TryGetValue(task, out var stack) || stack.Count == 0)
            return false;
        int ctx = irq.IrqContext;
        foreach (var h in stack)
        {
            if (h.IrqContext != ctx) continue;
            var cls = _classes[h.Class];
            int r = h.Read ? 1 : 0;
            if (!cls.Has(LockUsage.EnabledHardirq + r) || irq.SoftirqsEnabled && !cls.Has(LockUsage.EnabledSoftirq + r))
                return true;
        }
        return false;
    }

    public void Acquire(int task, int className, ulong instance, bool trylock, bool read, IrqState irq, in EventRef ev)
    {
        var cls = ClassOf(className);
        cls.Acquisitions++;
        var held = new HeldLock(cls.Id, instance, read, trylock, irq.IrqContext, ev);
        MarkAcquireUsage(cls, held, irq, ev);
        if (!_held.TryGetValue(task, out var stack))
            _held[task] = stack = new List<HeldLock>(8);
        if (!trylock)
        {
            CheckRecursive(stack, held, ev);
            AddDependencies(stack, held, ev);
        }
        if (stack.Count == 0) _heldTasks++;
        if (stack.Count >= MaxDepth)
        {
            OverflowResets++;
            stack.Clear();
        }
        stack.Add(held);
    }

    public void Release(int task, int className, ulong instance)
    {
        if (!_held.TryGetValue(task, out var stack) || stack.Count == 0)
        {
            UnmatchedReleases++;
            return;
        }
        int at = -1;
        for (int i = stack.Count - 1; i >= 0 && at < 0; i--)
            if (instance != 0 && stack[i].Instance == instance) at = i;
        if (at < 0 && _classByName.TryGetValue(className, out int cls))
            for (int i = stack.Count - 1; i >= 0 && at < 0; i--)
                if (stack[i].Class == cls) at = i;
        if (at < 0)
        {
            UnmatchedReleases++;
            return;
        }
        stack.RemoveAt(at);
        if (stack.Count == 0) _heldTasks--;
    }

    /// <summary>
    /// An event of the task ran with hardirqs/softirqs enabled while it holds locks: lockdep's irqs-on/bh-on hooks mark
    /// the held locks of the same irq context ENABLED (§8.5).
    /// </summary>
    public void ObserveIrqState(int task, IrqState irq, in EventRef ev)
    {
        if (!irq.HardirqsEnabled || !_held.TryGetValue(task, out var stack) || stack.Count == 0)
            return;
        int ctx = irq.IrqContext;
        foreach (var h in stack)
        {
            if (h.IrqContext != ctx) continue;
            var cls = _classes[h.Class];
            Mark(cls, h.Read ? LockUsage.EnabledHardirqRead : LockUsage.EnabledHardirq, ev);
            if (irq.SoftirqsEnabled)
                Mark(cls, h.Read ? LockUsage.EnabledSoftirqRead : LockUsage.EnabledSoftirq, ev);
        }
    }

    /// <summary>Forgets every held lock (lost events: what was released meanwhile is unknown).</summary>
    public void ResetHeld()
    {
        _held.Clear();
        _heldTasks = 0;
    }

    void MarkAcquireUsage(LockClass cls, in HeldLock h, IrqState irq, in EventRef ev)
    {
        int r = h.Read ? 1 : 0;
        if (!h.Trylock)
        {
            if (irq.InHardirq) Mark(cls, LockUsage.InHardirq + r, ev);
            if (irq.InSoftirq) Mark(cls, LockUsage.InSoftirq + r, ev);
        }
        if (irq.HardirqsEnabled)
        {
            Mark(cls, LockUsage.EnabledHardirq + r, ev);
            if (irq.SoftirqsEnabled) Mark(cls, LockUsage.EnabledSoftirq + r, ev);
        }
        Mark(cls, LockUsage.Used + r, ev);
    }

    void Mark(LockClass cls, int bit, in EventRef ev)
    {
        if (cls.Has(bit)) return;
        cls.Usage |= 1 << bit;
        cls.FirstUse[bit] = ev;
        if (LockUsage.IsIrqBit(bit))
            CheckNewUsage(cls, bit, ev);
    }

    /// <summary>mark_lock_irq: valid_state on the class itself, then irq inversion through the graph (§8.7, §8.9).</summary>
    void CheckNewUsage(LockClass cls, int bit, in EventRef ev)
    {
        int excl = LockUsage.Exclusive(bit);
        if (cls.Has(excl))
            ReportInconsistent(cls, excl, bit, ev);
        else if (!LockUsage.IsRead(bit) && cls.Has(excl + 1))
            ReportInconsistent(cls, excl + 1, bit, ev);

        // Conflicting bits in other classes: the write form always, the read form only against a write.
        int mask = 1 << excl;
        if (!LockUsage.IsRead(bit)) mask |= 1 << (excl + 1);
        bool enabling = LockUsage.IsEnabled(bit);
        int other = enabling ? Search(cls.Id, forward: false, c => (_classes[c].Usage & mask) != 0, includeRoot: false)
                             : Search(cls.Id, forward: true, c => (_classes[c].Usage & mask) != 0, includeRoot: false);
        if (other < 0) return;
        var oc = _classes[other];
        int obit = (oc.Usage & (1 << excl)) != 0 ? excl : excl + 1;
        string path = PathText(LastPath(other, forwardSearch: !enabling));
        string key = $"{LockFindingKind.IrqInversion}|{Math.Min(cls.Id, other)}|{Math.Max(cls.Id, other)}|{LockUsage.StateName(bit)}";
        if (!_reported.Add(key)) return;
        string what = enabling
            ? $"{Name(cls)} became {LockUsage.StateName(bit)}-unsafe but was taken under {Name(oc)}, which is {LockUsage.Name(obit)} (taken in {LockUsage.StateName(bit).ToLowerInvariant()} context) — dependency {path}"
            : $"{Name(cls)} became {LockUsage.StateName(bit)}-safe but earlier took {Name(oc)}, which is {LockUsage.Name(obit)} — dependency {path}";
        _findings.Add(new LockFinding(LockFindingKind.IrqInversion, Name(cls), LockUsage.Name(obit), LockUsage.Name(bit),
            ev, oc.FirstUse[obit], $"possible irq lock inversion: {what}; this {Describe(ev)}; other {Describe(oc.FirstUse[obit])}"));
    }

    void ReportInconsistent(LockClass cls, int prevBit, int newBit, in EventRef ev)
    {
        string key = $"{LockFindingKind.Inconsistent}|{cls.Id}|{prevBit}|{newBit}";
        if (!_reported.Add(key)) return;
        var prev = cls.FirstUse[prevBit];
        string from = "{" + LockUsage.Name(prevBit) + "}", to = "{" + LockUsage.Name(newBit) + "}";
        _findings.Add(new LockFinding(LockFindingKind.Inconsistent, Name(cls), from, to, ev, prev,
            $"inconsistent {from} -> {to} usage of {Name(cls)}: {from} state was registered at {Describe(prev)}; " +
            $"then taken {Describe(ev)}. An {LockUsage.StateName(newBit).ToLowerInvariant()} taking it can interrupt a holder " +
            $"that runs with {LockUsage.StateName(newBit).ToLowerInvariant()}s enabled: deadlock."));
    }

    void CheckRecursive(List<HeldLock> stack, in HeldLock next, in EventRef ev)
    {
        foreach (var p in stack)
        {
            if (p.Class != next.Class || (next.Read && p.Read)) continue;
            var cls = _classes[next.Class];
            string key = $"{LockFindingKind.Recursive}|{cls.Id}";
            if (_reported.Add(key))
                _findings.Add(new LockFinding(LockFindingKind.Recursive, Name(cls), "", "", ev, p.Acquired,
                    $"possible recursive locking: {Name(cls)} acquired {Describe(ev)} while already held since {Describe(p.Acquired)}"));
            return;
        }
    }

    /// <summary>check_prevs_add: edges from the nearest non-trylock holder (and trylocks above it) in the same irq context.</summary>
    void AddDependencies(List<HeldLock> stack, in HeldLock next, in EventRef ev)
    {
        for (int i = stack.Count - 1; i >= 0; i--)
        {
            var p = stack[i];
            if (p.IrqContext != next.IrqContext) break;
            if (p.Class != next.Class)
                AddEdge(_classes[p.Class], _classes[next.Class], ev);
            if (!p.Trylock) break;
        }
    }

    void AddEdge(LockClass prev, LockClass next, in EventRef ev)
    {
        if (prev.After.ContainsKey(next.Id)) return;
        // Circular: prev is reachable from next.
        int found = Search(next.Id, forward: true, c => c == prev.Id, includeRoot: false);
        if (found >= 0)
        {
            var chain = LastPath(found, forwardSearch: true);
            string path = PathText(chain);
            string key = $"{LockFindingKind.Circular}|{Math.Min(prev.Id, next.Id)}|{Math.Max(prev.Id, next.Id)}";
            if (_reported.Add(key))
            {
                var other = _classes[chain[1]];
                var otherEv = next.After.TryGetValue(other.Id, out var e) ? e : default;
                _findings.Add(new LockFinding(LockFindingKind.Circular, $"{Name(prev)} -> {Name(next)}", "", "", ev, otherEv,
                    $"possible circular locking dependency: {Name(next)} acquired while holding {Name(prev)} {Describe(ev)}, " +
                    $"but the existing chain {path} was established starting {Describe(otherEv)}"));
            }
        }
        CheckIrqUsage(prev, next, ev);
        prev.After[next.Id] = ev;
        next.Before.Add(prev.Id);
    }

    /// <summary>check_irq_usage: an S-safe class reaching prev must not lead, through this edge, to an S-unsafe class.</summary>
    void CheckIrqUsage(LockClass prev, LockClass next, in EventRef ev)
    {
        for (int state = 0; state < 2; state++)
        {
            int inW = state * 4, inMask = 3 << inW;          // USED_IN_S and USED_IN_S_READ
            int enW = inW + 2, enWMask = 1 << enW, enMask = 3 << enW;
            int safe = Search(prev.Id, forward: false, c => (_classes[c].Usage & inMask) != 0, includeRoot: true);
            if (safe < 0) continue;
            var L = _classes[safe];
            string pathL = PathText(LastPath(safe, forwardSearch: false));
            bool safeIsReadOnly = (L.Usage & (1 << inW)) == 0;
            // read-safe vs read-unsafe does not deadlock: a read-only safe lock needs a write-unsafe one.
            int unsafeMask = safeIsReadOnly ? enWMask : enMask;
            int unsafeId = Search(next.Id, forward: true, c => (_classes[c].Usage & unsafeMask) != 0, includeRoot: true);
            if (unsafeId < 0) continue;
            var M = _classes[unsafeId];
            string pathM = PathText(LastPath(unsafeId, forwardSearch: true));
            int lBit = safeIsReadOnly ? inW + 1 : inW;
            int mBit = (M.Usage & enWMask) != 0 ? enW : enW + 1;
            string key = $"{LockFindingKind.SafeToUnsafe}|{L.Id}|{M.Id}|{state}";
            if (!_reported.Add(key)) continue;
            string stateName = LockUsage.StateName(inW);
            string chain = $"{pathL} -> {pathM}";
            _findings.Add(new LockFinding(LockFindingKind.SafeToUnsafe, $"{Name(prev)} -> {Name(next)}", LockUsage.Name(lBit),
                LockUsage.Name(mBit), ev, M.FirstUse[mBit],
                $"{stateName}-safe -> {stateName}-unsafe lock order: {Name(next)} acquired while holding {Name(prev)} {Describe(ev)}; " +
                $"chain {chain}; {Name(L)} is {LockUsage.Name(lBit)} since {Describe(L.FirstUse[lBit])}; " +
                $"{Name(M)} is {LockUsage.Name(mBit)} since {Describe(M.FirstUse[mBit])}"));
        }
    }

    /// <summary>BFS over locks_after (forward) or locks_before; returns the first matching class id or -1. Parents kept for paths.</summary>
    int Search(int root, bool forward, Func<int, bool> match, bool includeRoot)
    {
        if (_bfsParent.Length < _classes.Count)
            _bfsParent = new int[Math.Max(_classes.Count, _bfsParent.Length * 2)];
        Array.Fill(_bfsParent, -2, 0, _classes.Count);
        _bfsQueue.Clear();
        _bfsParent[root] = -1;
        if (includeRoot && match(root)) return root;
        _bfsQueue.Enqueue(root);
        while (_bfsQueue.Count > 0)
        {
            int c = _bfsQueue.Dequeue();
            var cls = _classes[c];
            if (forward)
            {
                foreach (int n in cls.After.Keys)
                    if (Visit(c, n, match)) return n;
            }
            else
            {
                foreach (int n in cls.Before)
                    if (Visit(c, n, match)) return n;
            }
        }
        return -1;
    }

    bool Visit(int from, int n, Func<int, bool> match)
    {
        if (_bfsParent[n] != -2) return false;
        _bfsParent[n] = from;
        if (match(n)) return true;
        _bfsQueue.Enqueue(n);
        return false;
    }

    /// <summary>
    /// Class ids on the last BFS path between its root and <paramref name="found"/>, in dependency order: root first after a
    /// forward search (root -> … -> found), found first for a backward one (found -> … -> root).
    /// </summary>
    List<int> LastPath(int found, bool forwardSearch)
    {
        var ids = new List<int>();
        for (int c = found, guard = 0; c >= 0 && guard <= _classes.Count; c = _bfsParent[c], guard++)
            ids.Add(c);
        if (forwardSearch) ids.Reverse();
        return ids;
    }

    string PathText(List<int> ids) => string.Join(" -> ", ids.Select(i => Name(_classes[i])));

    string Name(LockClass c) => _names[c.Name];
    string Describe(in EventRef e) => e.IsSet ? e.Describe(_names) : "(before the trace)";
}
