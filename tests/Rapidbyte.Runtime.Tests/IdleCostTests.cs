using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Testing.Measurement;
using Rapidbyte.Testing.Servers;
using Xunit.Abstractions;

namespace Rapidbyte.Runtime.Tests;

/// <summary>
/// A waiting connector must cost nothing: no CPU, no thread. Measured as process CPU time
/// (user + system, all threads) while guests wait on a silent socket.
/// </summary>
[Collection(MeasuredCollection.Name)]
public sealed class IdleCostTests(RuntimeFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_guest_idle_on_a_silent_socket_uses_well_under_five_percent_of_a_core()
    {
        var cpu = await MeasureIdleAsync("tcp_wait_eof");

        output.WriteLine($"idle guest: {cpu.TotalMilliseconds:F1} ms CPU in {Window.TotalSeconds} s ({100 * cpu / Window:F2} % of a core)");
        Assert.True(cpu < 0.05 * Window, $"a waiting guest used {cpu.TotalMilliseconds:F0} ms of CPU in {Window.TotalSeconds} s");
    }

    [Fact]
    public async Task The_measurement_sees_a_guest_that_spins_while_it_waits()
    {
        // The design this protocol replaces: on would-block, wake yourself and retry at once.
        // If this failed, the idle test above could not fail either.
        var cpu = await MeasureIdleAsync("tcp_wait_eof_busy");

        output.WriteLine($"spinning guest: {cpu.TotalMilliseconds:F1} ms CPU in {Window.TotalSeconds} s ({100 * cpu / Window:F2} % of a core)");
        Assert.True(cpu > 0.5 * Window, $"a spinning guest used only {cpu.TotalMilliseconds:F0} ms of CPU in {Window.TotalSeconds} s");
    }

    private async Task<TimeSpan> MeasureIdleAsync(string scenario)
    {
        await using var server = new SilentServer();
        using var instance = fixture.Runtime.CreateInstance(fixture.TestConnector,
            new ConnectorInstanceOptions { Network = NetworkPolicy.Allow($"127.0.0.1:{server.Port}") });
        var run = TestConnectorRuns.ReadAsync(instance, new { scenario, host = "127.0.0.1", port = server.Port });
        await server.WaitForConnectionsAsync(1, TimeSpan.FromSeconds(10));
        // Let what earlier tests left behind (finalizers, tiered JIT, pool threads) settle:
        // the window should see the waiting guest, not the test process's history.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        await Task.Delay(1000);

        var before = ProcessStats.CpuTime;
        await Task.Delay(Window);
        var used = ProcessStats.CpuTime - before;

        server.CloseConnections();
        var summary = await run;
        Assert.Equal(0, summary.Rows); // the server never sent a byte
        return used;
    }
}
