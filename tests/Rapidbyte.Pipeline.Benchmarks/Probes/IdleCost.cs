using Rapidbyte.Pipeline.Benchmarks.Rounds;

namespace Rapidbyte.Pipeline.Benchmarks.Probes;

/// <summary>What a stream costs the rapidbyte process while its source keeps it waiting.</summary>
/// <param name="WaitSeconds">How long the source's query sleeps before its first row (the longer variant: twice that).</param>
/// <param name="WindowCpuSeconds">The process's CPU seconds over the second half of the double wait, one per round.</param>
/// <param name="SettleSeconds">The wait of the one settled run.</param>
/// <param name="SettledWindowSeconds">How long the settled run was sampled, ending a second before its rows came.</param>
/// <param name="SettledWindowCpuSeconds">The process's CPU seconds in that window; null if the process ended first.</param>
internal sealed record IdleCost(
    int WaitSeconds, IdleRun WithoutWait, IdleRun WithWait, IdleRun WithDoubleWait, IReadOnlyList<double> WindowCpuSeconds,
    int SettleSeconds, double SettledWindowSeconds, double? SettledWindowCpuSeconds)
{
    /// <summary>
    /// Extra CPU seconds per 10 s of extra wall time, the run with the wait against the run
    /// without it (divided by the measured extra wall time, not the nominal wait). It includes
    /// what the .NET runtime does in any process's first seconds (re-compiling hot code in the
    /// background), which the short run exits before doing.
    /// </summary>
    public double CpuSecondsPer10sAgainstNoWait =>
        (WithWait.CpuSeconds - WithoutWait.CpuSeconds) / (WithWait.WallSeconds - WithoutWait.WallSeconds) * 10;

    /// <summary>
    /// CPU seconds per 10 s sampled from /proc while the stream waits, away from start-up: the
    /// steady cost of waiting, free of the noise of comparing separate processes. Null when
    /// every rapidbyte process ended before its window did.
    /// </summary>
    public double? CpuSecondsPer10sWhileWaiting =>
        WindowCpuSeconds.Count == 0 ? null : Median.Of(WindowCpuSeconds) / WaitSeconds * 10;

    /// <summary>
    /// CPU seconds per 10 s at the end of the long wait, once .NET has re-compiled what became
    /// hot: what a stream costs while it waits, for as long as it waits.
    /// </summary>
    public double? CpuSecondsPer10sSettled => SettledWindowCpuSeconds / SettledWindowSeconds * 10;
}
