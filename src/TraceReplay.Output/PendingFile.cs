namespace TraceReplay.Output;

/// <summary>
/// An output file written under a temporary name beside its final path and renamed into place by <see cref="Commit"/>;
/// disposing it uncommitted deletes the temporary, so a failed or interrupted run never leaves a half-written file.
/// Whoever writes the temporary closes it before Commit or Dispose.
/// </summary>
sealed class PendingFile(string finalPath) : IDisposable
{
    bool _committed;

    public string FinalPath { get; } = finalPath;
    public string TempPath { get; } = $"{finalPath}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";

    public FileStream Create() => new(TempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);

    public void Commit()
    {
        File.Move(TempPath, FinalPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed) File.Delete(TempPath);
    }

    /// <summary>Writes FINAL through a pending file in one go.</summary>
    public static void Write(string finalPath, Action<string> writeTemp)
    {
        using var file = new PendingFile(finalPath);
        writeTemp(file.TempPath);
        file.Commit();
    }
}
