using Rapidbyte.Pipeline.Benchmarks.Processes;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>One load by one contender.</summary>
/// <param name="Process">The client process's wall time, CPU and memory.</param>
/// <param name="ReportedRows">Rows the contender says it wrote, when it says.</param>
/// <param name="OwnDuration">The duration the contender reports itself (Rapidbyte: the run, without process start and stop).</param>
internal sealed record LoadRun(ProcessMeasurement Process, long? ReportedRows = null, TimeSpan? OwnDuration = null);
