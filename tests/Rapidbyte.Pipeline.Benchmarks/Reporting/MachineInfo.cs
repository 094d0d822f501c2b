using System.Globalization;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>The machine the numbers come from (Linux /proc and /etc).</summary>
internal sealed record MachineInfo(int Cores, string CpuModel, double MemoryGib, string Os, string Kernel)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        Field("/proc/cpuinfo", "model name", ':') ?? "unknown",
        // MemTotal is in KiB.
        long.Parse((Field("/proc/meminfo", "MemTotal", ':') ?? "0 kB").Split(' ')[0], CultureInfo.InvariantCulture) / 1048576.0,
        Field("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? "unknown",
        File.ReadAllText("/proc/sys/kernel/osrelease").Trim());

    private static string? Field(string path, string name, char separator) =>
        File.Exists(path)
            ? File.ReadLines(path)
                .Select(line => line.Split(separator, 2))
                .Where(parts => parts.Length == 2 && parts[0].Trim() == name)
                .Select(parts => parts[1].Trim())
                .FirstOrDefault()
            : null;
}
