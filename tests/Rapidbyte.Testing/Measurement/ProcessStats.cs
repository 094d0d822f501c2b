namespace Rapidbyte.Testing.Measurement;

/// <summary>What the OS says about this process: CPU time, threads, resident memory.</summary>
public static class ProcessStats
{
    /// <summary>User + system CPU time of the whole process (all threads), from the OS.</summary>
    public static TimeSpan CpuTime => Environment.CpuUsage.TotalTime;

    /// <summary>Threads of this process now (Linux /proc).</summary>
    public static int ThreadCount => (int)ReadStatus("Threads:");

    /// <summary>Resident set size in bytes now (Linux /proc).</summary>
    public static long ResidentBytes => ReadStatus("VmRSS:") * 1024;

    private static long ReadStatus(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"/proc/self/status has no {field}");
    }
}
