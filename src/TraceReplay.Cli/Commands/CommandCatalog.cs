using System.CommandLine;

namespace TraceReplay.Cli.Commands;

/// <summary>Every subcommand, in the order --help lists them. Add a command here with one line.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return BatchCommands.Analyze();
        yield return BatchCommands.Ingest();
        yield return MergeCommand.Create();
        yield return SynthCommand.Create();
        yield return ExportTimelineCommand.Create();
    }
}
