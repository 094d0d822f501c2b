using System.Globalization;

namespace Rapidbyte.Testing.Measurement;

/// <summary>What Linux's /proc says about other processes: parent, state, command line, CPU time, resident memory.</summary>
public static class ProcFs
{
    // USER_HZ: what /proc/PID/stat counts CPU time in; 100 on every Linux architecture we run on.
    private const double TicksPerSecond = 100;

    /// <summary>The processes whose parent is <paramref name="parent"/>, in any state (zombies too).</summary>
    public static IEnumerable<int> Children(int parent)
    {
        var parentText = parent.ToString(CultureInfo.InvariantCulture);
        foreach (var name in Directory.EnumerateDirectories("/proc").Select(Path.GetFileName))
        {
            // Field 4: the parent's process id.
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && StatFields(pid) is { } stat && Field(stat, 4) == parentText)
            {
                yield return pid;
            }
        }
    }

    /// <summary>User + system CPU seconds of the process itself (fields 14, 15), or null once it is gone.</summary>
    public static double? OwnCpuSeconds(int pid) => StatFields(pid) is { } stat ? Ticks(stat, 14, 15) : null;

    /// <summary>
    /// User + system CPU seconds of each of the process's threads (by thread id) whose name (/proc/PID/task/TID/stat, at
    /// most 15 bytes) starts with <paramref name="namePrefix"/>, or null once the process is gone. A thread that has
    /// ended is not listed: its time went into the process's.
    /// </summary>
    public static IReadOnlyDictionary<int, double>? ThreadsCpuSeconds(int pid, string namePrefix)
    {
        try
        {
            var seconds = new Dictionary<int, double>();
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                    if (name.StartsWith(namePrefix, StringComparison.Ordinal))
                    {
                        seconds[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = Ticks(stat[(stat.LastIndexOf(')') + 2)..].Split(' '), 14, 15);
                    }
                }
                catch (IOException)
                {
                    // that thread ended while we looked
                }
            }
            return seconds;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// User + system CPU seconds of the children the process has reaped (fields 16, 17):
    /// Linux adds a child's time there when its parent waits for it.
    /// </summary>
    public static double? ReapedChildrenCpuSeconds(int pid) => StatFields(pid) is { } stat ? Ticks(stat, 16, 17) : null;

    /// <summary>The resident set in bytes now (VmRSS of /proc/PID/status), or null once it is gone.</summary>
    public static long? ResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            // "VmRSS:    123456 kB"
            return line is null ? null : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The command line, NUL-separated; empty for a process that is exiting; null once it is gone.</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static double Ticks(string[] stat, int first, int second) =>
        (long.Parse(Field(stat, first), CultureInfo.InvariantCulture) + long.Parse(Field(stat, second), CultureInfo.InvariantCulture)) / TicksPerSecond;

    // /proc/PID/stat numbers its fields from 1; StatFields starts at field 3.
    private static string Field(string[] stat, int number) => stat[number - 3];

    // The fields after the command name (which may hold spaces and parentheses).
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // it ended while we looked
        }
    }
}
