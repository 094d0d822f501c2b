namespace Rapidbyte.Grains;

/// <summary>How a grain's <c>WaitForRunAsync</c> waits: until the run completes or the caller's time is up.</summary>
internal static class RunWait
{
    /// <summary>
    /// The longest one wait lasts, whatever the caller asks: below Orleans' default response
    /// timeout (30 s), so a long wait comes back as a snapshot, never as a timed-out call.
    /// </summary>
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(20);

    /// <summary>Completes when <paramref name="completion"/> does or <paramref name="maxWait"/> (at most <see cref="Longest"/>) has passed.</summary>
    public static Task UntilDoneOr(Task completion, TimeSpan maxWait) =>
        Task.WhenAny(completion, Task.Delay(maxWait < TimeSpan.Zero ? TimeSpan.Zero : maxWait > Longest ? Longest : maxWait));
}
