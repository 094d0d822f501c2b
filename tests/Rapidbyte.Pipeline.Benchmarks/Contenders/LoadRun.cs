using Rapidbyte.Pipeline.Benchmarks.Processes;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>One load by one contender.</summary>
/// <param name="Process">The client process's wall time, CPU and memory.</param>
/// <param name="ReportedRows">Rows the contender says it wrote, when it says.</param>
/// <param name="OwnDuration">The duration the contender reports itself (Rapidbyte: the run, without process start and stop).</param>
/// <param name="FirstBatchAfter">From launch to the first batch, when the contender reports when that was (Rapidbyte).</param>
/// <param name="ServingCpuSeconds">CPU the long-running process that did the work spent over the load, when the
/// client handed it over (the warm <c>rapidbyte serve</c>); counted into the client CPU.</param>
internal sealed record LoadRun(
    ProcessMeasurement Process, long? ReportedRows = null, TimeSpan? OwnDuration = null, TimeSpan? FirstBatchAfter = null, double? ServingCpuSeconds = null)
{
    /// <summary>The client's CPU plus, when the run was handed over, the serving process's.</summary>
    public double ClientCpuSeconds => Process.CpuSeconds + (ServingCpuSeconds ?? 0);
}
