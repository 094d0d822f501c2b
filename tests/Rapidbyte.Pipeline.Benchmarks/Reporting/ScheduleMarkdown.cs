using System.Text;

namespace Rapidbyte.Pipeline.Benchmarks.Reporting;

/// <summary>The schedule report as Markdown: the header, fire lag, idle CPU, definitions.</summary>
internal static class ScheduleMarkdown
{
    public static string Render(ScheduleReport report)
    {
        var text = new StringBuilder();
        var machine = report.Machine;
        var lag = report.FireLag;
        var scheduled = report.Idle[^1];
        Line(text, $"# Rapidbyte schedules: fire lag on {lag.Silos} silos, idle CPU of {scheduled.Pipelines:N0} scheduled pipelines{(report.Smoke ? " (smoke)" : "")}");
        Line(text, "");
        Line(text, $"{report.Date:yyyy-MM-dd HH:mm} UTC · {machine.Cores} cores ({machine.CpuModel}) · {machine.MemoryGib:F1} GiB RAM · {machine.Os}, Linux {machine.Kernel} · "
                   + $"PostgreSQL {report.Postgres} · rapidbyte-silo built {report.SiloBuiltAt:yyyy-MM-dd HH:mm} UTC, HEAD {report.RapidbyteCommit} · .NET {report.Dotnet}");
        Line(text, "");
        Line(text, $"**Fire lag** ({lag.Silos} silo processes, one pipeline on `{lag.Schedule}` moving {lag.Rows} rows, full refresh, append; schedule check every 2 s): "
                   + $"of {lag.Occurrences} occurrences, {lag.LagMilliseconds.Count} started a run **p50 {lag.P50Milliseconds:F0} ms, p95 {lag.P95Milliseconds:F0} ms, "
                   + $"max {lag.MaxMilliseconds:F0} ms** after their time; {lag.Skipped} skipped (the previous run still going), {lag.Coalesced} coalesced, {lag.Lost} lost. "
                   + $"Target p95 ≤ {ScheduleReport.FireLagP95TargetMilliseconds / 1000:F0} s: {Verdict(lag.P95Milliseconds <= ScheduleReport.FireLagP95TargetMilliseconds)}. "
                   + $"The silos logged {lag.Complaints.Count} warning(s) or error(s).");
        Line(text, "");
        Line(text, "| Silo | Scheduled pipelines | Registration s | Settle s | Window min | CPU s | CPU s per hour | RSS MiB at end | Warnings, errors logged |");
        Line(text, "|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var silo in report.Idle)
        {
            Line(text, $"| {(silo.Pipelines == 0 ? "no pipelines" : $"scheduled `{silo.Schedule}`")} | {silo.Pipelines:N0} | {silo.RegistrationSeconds?.ToString("F1") ?? "—"} | "
                       + $"{silo.SettleSeconds} | {silo.WindowSeconds / 60:F1} | {silo.CpuSeconds:F2} | {silo.CpuSecondsPerHour:F1} | {silo.ResidentMib:F0} | {silo.Complaints.Count} |");
        }
        Line(text, "");
        var extra = scheduled.CpuSecondsPerHour - report.Idle[0].CpuSecondsPerHour;
        Line(text, $"**Idle CPU** (one silo, schedule check every minute): **{scheduled.CpuSecondsPerHour:F1} CPU s per hour with {scheduled.Pipelines:N0} scheduled pipelines**, "
                   + $"{report.Idle[0].CpuSecondsPerHour:F1} without any: {extra:F1} CPU s per hour more, {extra / scheduled.Pipelines * 1000:F1} CPU ms per pipeline per hour. "
                   + $"Target below {ScheduleReport.IdleCpuSecondsPerHourTarget:F0} CPU s per hour for 1,000: "
                   + $"{(scheduled.Pipelines == 1_000 ? Verdict(scheduled.CpuSecondsPerHour < ScheduleReport.IdleCpuSecondsPerHourTarget) : "not measured (other count)")}. "
                   + $"CPU s by minute: {string.Join(", ", scheduled.CpuSecondsByMinute.Select(s => s.ToString("F2")))} (without pipelines: "
                   + $"{string.Join(", ", report.Idle[0].CpuSecondsByMinute.Select(s => s.ToString("F2")))}).");
        Line(text, "");
        foreach (var definition in report.Definitions)
        {
            Line(text, $"- {definition}");
        }
        return text.ToString();
    }

    private static string Verdict(bool met) => met ? "met" : "**missed**";

    // Numbers are formatted in the invariant culture: Program sets it for the whole process.
    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
