using System.Diagnostics;

namespace TraceReplay.Tests.Notebooks;

/// <summary>notebooks/dataframes-demo.cs (a `dotnet run` file-based app outside the solution) still builds and runs.</summary>
public sealed class DataFramesDemoTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tr-dfdemo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Demo_loads_the_cli_output_and_prints_its_group_bys()
    {
        string outDir = Path.Combine(_dir, "out");
        Assert.Equal(0, TraceReplay.Cli.Program.Main(["analyze", TestData.Trace(""), "--out", outDir, "--quiet"]));
        string repo = Directory.GetParent(NotebooksFolder())!.FullName;

        var psi = new ProcessStartInfo("dotnet", ["run", "notebooks/dataframes-demo.cs", "--", outDir])
        {
            WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();

        Assert.True(p.ExitCode == 0, stdout + await stderr);
        Assert.Contains($"{outDir}: ", stdout);
        Assert.Matches(@"summary\s+\d+ rows", stdout);
        Assert.Contains("events per format:", stdout);
        Assert.Contains("ftrace-text", stdout);
    }

    static string NotebooksFolder()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "notebooks", "dataframes-demo.cs")))
                return Path.Combine(d.FullName, "notebooks");
        throw new DirectoryNotFoundException("notebooks/dataframes-demo.cs not found above " + AppContext.BaseDirectory);
    }
}
