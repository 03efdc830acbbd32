using System.Diagnostics;
using System.Text.Json;

namespace TraceReplay.Tests.Notebooks;

/// <summary>A fact that is skipped, saying why, when Jupyter's nbconvert is not installed (the notebooks need it).</summary>
public sealed class JupyterFactAttribute : FactAttribute
{
    public JupyterFactAttribute()
    {
        if (!NotebookRunTests.JupyterInstalled)
            Skip = "jupyter not installed: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel python3-nbformat jupyter-client python3-pandas python3-matplotlib (.ci/run does)";
    }
}

/// <summary>
/// notebooks/run-all.sh executes every notebook headless: on the output of the real CLI over traces/, on an empty
/// output folder (no cell may fail on zero rows), and it fails when a cell fails.
/// </summary>
public sealed class NotebookRunTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tr-notebooks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static bool JupyterInstalled => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Any(p => File.Exists(Path.Combine(p, "jupyter-nbconvert")));

    /// <summary>The repository's notebooks/ folder (the test runs from tests/TraceReplay.Tests/bin/...).</summary>
    static string NotebooksFolder()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "notebooks", "run-all.sh")))
                return Path.Combine(d.FullName, "notebooks");
        throw new DirectoryNotFoundException("notebooks/run-all.sh not found above " + AppContext.BaseDirectory);
    }

    static (int Code, string Output) RunAll(string runAll, string outDir, string executedDir)
    {
        var psi = new ProcessStartInfo("bash", [runAll, outDir, executedDir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    /// <summary>All text the executed notebook's cells printed or displayed.</summary>
    static string Outputs(string notebook)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(notebook));
        var text = new System.Text.StringBuilder();
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
            if (cell.TryGetProperty("outputs", out var outputs))
                foreach (var o in outputs.EnumerateArray())
                {
                    if (o.TryGetProperty("text", out var t)) foreach (var line in t.EnumerateArray()) text.Append(line.GetString());
                    if (o.TryGetProperty("data", out var d) && d.TryGetProperty("text/plain", out var plain))
                        foreach (var line in plain.EnumerateArray()) text.Append(line.GetString());
                }
        return text.ToString();
    }

    [JupyterFact]
    public void Every_notebook_runs_on_the_cli_output_of_the_shipped_traces()
    {
        string outDir = Path.Combine(_dir, "out"), executed = Path.Combine(_dir, "executed");
        int rc = TraceReplay.Cli.Program.Main(["analyze", TestData.Trace(""), "--out", outDir, "--quiet"]);
        Assert.Equal(0, rc);

        var (code, output) = RunAll(Path.Combine(NotebooksFolder(), "run-all.sh"), outDir, executed);

        Assert.True(code == 0, output);
        string[] names = ["01-overview", "02-unsafe-frees", "03-memcg-lifetimes", "04-rcu-barriers", "05-locks"];
        foreach (var name in names)
            Assert.True(File.Exists(Path.Combine(executed, name + ".ipynb")), name + " was not executed: " + output);
        // The overview read this output folder: it lists the real capture shipped in traces/real.
        Assert.Contains("real/memcg-lifecycle-6.18.trace.txt.gz", Outputs(Path.Combine(executed, "01-overview.ipynb")));
    }

    [JupyterFact]
    public void Every_notebook_runs_on_an_empty_output_folder_and_says_so()
    {
        string outDir = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName, executed = Path.Combine(_dir, "executed");

        var (code, output) = RunAll(Path.Combine(NotebooksFolder(), "run-all.sh"), outDir, executed);

        Assert.True(code == 0, output);
        Assert.Contains("no unsafe frees in this output folder", Outputs(Path.Combine(executed, "02-unsafe-frees.ipynb")));
        Assert.Contains("no lock findings in this output folder", Outputs(Path.Combine(executed, "05-locks.ipynb")));
    }

    [JupyterFact]
    public void Run_all_fails_when_a_cell_fails()
    {
        // A copy of run-all.sh beside a one-cell notebook that raises.
        string folder = Directory.CreateDirectory(Path.Combine(_dir, "nb")).FullName;
        File.Copy(Path.Combine(NotebooksFolder(), "run-all.sh"), Path.Combine(folder, "run-all.sh"));
        File.WriteAllText(Path.Combine(folder, "01-bad.ipynb"), """
            {"cells": [{"cell_type": "code", "execution_count": null, "id": "a1", "metadata": {}, "outputs": [],
              "source": ["raise RuntimeError('cell failed on purpose')"]}],
             "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
             "nbformat": 4, "nbformat_minor": 5}
            """);

        var (code, output) = RunAll(Path.Combine(folder, "run-all.sh"), folder, Path.Combine(_dir, "executed"));

        Assert.NotEqual(0, code);
        Assert.Contains("FAILED  01-bad.ipynb", output);
        Assert.Contains("cell failed on purpose", output);
    }
}
