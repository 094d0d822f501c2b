using System.Globalization;
using System.Text;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>The report as Markdown: the header, the results table, start-up and idle cost, definitions.</summary>
internal static class MarkdownReport
{
    public static string Render(BenchmarkReport report)
    {
        var text = new StringBuilder();
        var machine = report.Machine;
        var versions = report.Versions;
        Line(text, $"# Rapidbyte pipeline benchmark: PostgreSQL to PostgreSQL, {report.Rows:N0} rows{(report.Smoke ? " (smoke)" : "")}");
        Line(text, "");
        Line(text, $"{report.Date:yyyy-MM-dd HH:mm} UTC · {machine.Cores} cores ({machine.CpuModel}) · {machine.MemoryGib:F1} GiB RAM · {machine.Os}, Linux {machine.Kernel} · "
                   + $"PostgreSQL {versions.Postgres} · {versions.Pgloader ?? "pgloader not run"} · {versions.Pgcopydb ?? "pgcopydb not run"} · rapidbyte CLI built {versions.RapidbyteBuiltAt:yyyy-MM-dd HH:mm} UTC, HEAD {versions.RapidbyteCommit} · .NET {versions.Dotnet} · "
                   + $"{report.Rounds} round(s), medians");
        Line(text, "");
        Line(text, "| Table | Columns | Rows | Binary COPY MB | On disk MB |");
        Line(text, "|---|--:|--:|--:|--:|");
        foreach (var table in report.Tables)
        {
            Line(text, $"| {table.Name} | {table.Columns} | {table.Rows:N0} | {table.CopyBytes / 1e6:F1} | {table.DiskBytes / 1e6:F1} |");
        }
        Line(text, "");
        Line(text, "| Contender | Table | Wall s | Rows/s | MB/s | Client CPU s | Server CPU s | Peak RSS MiB | Rapidbyte's own run s | First batch s | vs COPY pipe | same round |");
        Line(text, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var result in report.Results)
        {
            Line(text, $"| {result.Contender} | {result.Table} | {result.WallSeconds:F2} | {result.RowsPerSecond:N0} | {result.MegabytesPerSecond:F1} | "
                       + $"{result.ClientCpuSeconds:F2} | {result.ServerCpuSeconds:F2} | {result.PeakRssMib:F0} | {Optional(result.OwnRunSeconds, "F2")} | {Optional(result.FirstBatchSeconds, "F2")} | "
                       + $"{Optional(result.ThroughputVsCopyPipe, "F2")}{(result.ThroughputVsCopyPipe is null ? "" : "×")} | "
                       + $"{Optional(result.ThroughputVsCopyPipeByRound, "F2")}{(result.ThroughputVsCopyPipeByRound is null ? "" : "×")} |");
        }
        Line(text, "");
        foreach (var served in report.Results.Where(r => r.ServingCpuSeconds is not null))
        {
            Line(text, $"**{served.Contender}**, {served.Table}: its Client CPU s ({served.ClientCpuSeconds:F2}) is the sum of the `rapidbyte run` client "
                       + $"({served.ClientCpuSeconds - served.ServingCpuSeconds:F2} s) and the `rapidbyte serve` process that did the work ({served.ServingCpuSeconds:F2} s, "
                       + "its /proc/PID/stat CPU over the run); the server's CPU is the real client-side cost. Peak RSS is the client's; "
                       + $"the server process's peak (VmHWM, over all its runs): {Optional(served.ServerPeakRssMib, "F0")} MiB. "
                       + $"Warmed with {Optional(served.ServerWarmUpRuns, "F0")} untimed runs of the table.");
        }
        if (report.Results.Any(r => r.ServingCpuSeconds is not null))
        {
            Line(text, "");
        }
        var startup = report.Startup;
        Line(text, $"**Start-up** (`rapidbyte run` of a 1-row table, compiled connectors cached): **{startup.WarmFirstBatchSeconds:F2} s from launch to the first batch**; "
                   + $"{startup.WarmSeconds:F2} s launch to exit (of which the run itself {startup.WarmRunSeconds:F2} s; {startup.WarmCpuSeconds:F2} CPU s). "
                   + $"First, cold run (compiling the connectors, creating the state schema): {startup.ColdFirstBatchSeconds:F2} s to the first batch, {startup.ColdSeconds:F2} s to exit.");
        Line(text, "");
        var idle = report.IdleCost;
        Line(text, $"**Idle cost** (the rapidbyte process, a 1,000-row stream whose source waits before its first row): "
                   + $"**{Optional(idle.CpuSecondsPer10sWhileWaiting, "F3")} CPU s per 10 s while waiting** (sampled from /proc over the second {idle.WaitSeconds} s of a {2 * idle.WaitSeconds} s wait, median of {idle.WindowCpuSeconds.Count}). "
                   + $"Whole runs: waiting {idle.WaitSeconds} s took {idle.WithWait.CpuSeconds:F2} CPU s against {idle.WithoutWait.CpuSeconds:F2} without the wait "
                   + $"({idle.WithWait.WallSeconds:F2} vs {idle.WithoutWait.WallSeconds:F2} s wall), {idle.CpuSecondsPer10sAgainstNoWait:F3} CPU s per 10 s of waiting; "
                   + $"waiting {2 * idle.WaitSeconds} s: {idle.WithDoubleWait.CpuSeconds:F2} CPU s ({idle.WithDoubleWait.WallSeconds:F2} s wall). "
                   + "Whole-run differences include what .NET does in any process's first seconds (re-compiling hot code in the background), which the run without the wait exits before doing. "
                   + $"Once that has settled, **{Optional(idle.CpuSecondsPer10sSettled, "F3")} CPU s per 10 s** "
                   + $"(the {idle.SettledWindowSeconds:F0} s before the rows came in a {idle.SettleSeconds} s wait, one run).");
        Line(text, "");
        foreach (var definition in report.Definitions)
        {
            Line(text, $"- {definition}");
        }
        return text.ToString();
    }

    private static string Optional(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "—";

    // Numbers are formatted in the invariant culture: Program sets it for the whole process.
    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
