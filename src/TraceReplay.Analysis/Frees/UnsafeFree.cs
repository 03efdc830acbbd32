using TraceReplay.Analysis.Common;
using TraceReplay.Analysis.Rules;

namespace TraceReplay.Analysis.Frees;

/// <summary>One unsafe free: the operation's event, the rule it broke and, when a lock conflict is involved, the class and
/// the event that registered the conflicting usage.</summary>
public sealed record UnsafeFree(
    EventRef Event,
    string Operation,
    string ObjectKind,
    string ObjectKey,
    FreeRule Rule,
    string LockClass,
    EventRef Conflict,
    string Evidence);
