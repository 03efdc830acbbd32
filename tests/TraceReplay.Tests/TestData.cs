namespace TraceReplay.Tests;

/// <summary>Paths of fixtures copied beside the test assembly (tests/data → data/, traces/ → traces/).</summary>
public static class TestData
{
    public static string Path(string relative) => System.IO.Path.Combine(AppContext.BaseDirectory, "data", relative);
    public static string Trace(string relative) => System.IO.Path.Combine(AppContext.BaseDirectory, "traces", relative);
}
