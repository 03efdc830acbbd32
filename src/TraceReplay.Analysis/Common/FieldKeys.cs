using TraceReplay.Core.Interning;

namespace TraceReplay.Analysis.Common;

/// <summary>Interned ids of the field keys the analyses read (CONTRACT.md names), resolved once per trace.</summary>
public sealed class FieldKeys(NameTable names)
{
    public readonly int LockdepAddr = names.Intern("lockdep_addr");
    public readonly int Flags = names.Intern("flags");
    public readonly int Name = names.Intern("name");
    public readonly int Ip = names.Intern("ip");
    public readonly int ParentIp = names.Intern("parent_ip");
    public readonly int Func = names.Intern("func");
    public readonly int DurationNs = names.Intern("duration_ns");
    public readonly int ProbeFunc = names.Intern("probe_func");
    public readonly int Ptr = names.Intern("ptr");
    public readonly int BytesAlloc = names.Intern("bytes_alloc");
    public readonly int CallSite = names.Intern("call_site");
    public readonly int Work = names.Intern("work");
    public readonly int Function = names.Intern("function");
    public readonly int Workqueue = names.Intern("workqueue");
    public readonly int Rcuname = names.Intern("rcuname");
    public readonly int S = names.Intern("s");
    public readonly int Id = names.Intern("id");
    public readonly int Root = names.Intern("root");
    public readonly int Path = names.Intern("path");
    public readonly int Arg1 = names.Intern("arg1");
}
