using System.CommandLine;
using TraceReplay.Cli.Commands;

namespace TraceReplay.Cli;

public static class Program
{
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    /// <summary>Wiring only: each command lives in Commands/ and calls into the libraries.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("TraceReplay: replay kernel traces on a modeled machine and report unsafe frees, lock usage, rcu_barrier counts and lifetime anomalies.");
        foreach (var command in CommandCatalog.All())
            root.Subcommands.Add(command);
        return root;
    }
}
