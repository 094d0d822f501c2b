using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Runtime.Tests;

/// <summary>
/// Hostile or broken connectors: each fails its own run with an error a user can act on, and
/// the host runs the next connector as if nothing happened.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class SandboxTests(RuntimeFixture fixture)
{
    [Fact]
    public async Task An_endless_loop_is_stopped_by_the_cpu_limit()
    {
        using var instance = Instance(new ConnectorInstanceOptions { SliceCpuLimit = TimeSpan.FromMilliseconds(500) });
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ConnectorException>(() => TestConnectorRuns.ReadAsync(instance, new { scenario = "spin" }));

        Assert.Equal(ConnectorFault.CpuLimit, error.Fault);
        Assert.Contains("CPU limit", error.Message);
        Assert.InRange(started.ElapsedMilliseconds, 400, 10_000);
        await AssertHostStillRunsConnectors();
    }

    [Fact]
    public async Task Growing_memory_past_the_limit_fails_cleanly()
    {
        using var instance = Instance(new ConnectorInstanceOptions { MemoryLimitBytes = 64L * 1024 * 1024 });

        var error = await Assert.ThrowsAsync<ConnectorException>(() => TestConnectorRuns.ReadAsync(instance, new { scenario = "grow_memory", chunk_mb = 4 }));

        Assert.Equal(ConnectorFault.MemoryLimit, error.Fault);
        Assert.Contains("64 MiB", error.Message);
        await AssertHostStillRunsConnectors();
    }

    [Fact]
    public async Task A_connection_outside_the_allow_list_is_refused()
    {
        await using var allowed = new PingPongServer();
        await using var forbidden = new PingPongServer();
        using var instance = Instance(new ConnectorInstanceOptions { Network = NetworkPolicy.Allow($"127.0.0.1:{allowed.Port}") });

        var error = await Assert.ThrowsAsync<ConnectorException>(() =>
            TestConnectorRuns.ReadAsync(instance, new { scenario = "connect_only", host = "127.0.0.1", port = forbidden.Port }));

        Assert.Contains($"127.0.0.1:{forbidden.Port}", error.Message);
        Assert.Contains("allow-list", error.Message);
        Assert.Equal(0, forbidden.Accepted);
        await AssertHostStillRunsConnectors();
    }

    [Fact]
    public async Task A_refused_connection_is_a_network_error()
    {
        var closedPort = LoopbackPorts.Unused();
        using var instance = Instance(new ConnectorInstanceOptions { Network = NetworkPolicy.Allow($"127.0.0.1:{closedPort}") });

        var error = await Assert.ThrowsAsync<ConnectorException>(() =>
            TestConnectorRuns.ReadAsync(instance, new { scenario = "connect_only", host = "127.0.0.1", port = closedPort }));

        Assert.Equal(ErrorCategory.Network, error.Error.Category);
        Assert.Contains($"127.0.0.1:{closedPort}", error.Message);
    }

    [Fact]
    public async Task A_panic_reports_its_message()
    {
        using var instance = Instance(new ConnectorInstanceOptions());

        var error = await Assert.ThrowsAsync<ConnectorException>(() =>
            TestConnectorRuns.ReadAsync(instance, new { scenario = "panic", message = "the answer is not 41" }));

        Assert.Equal(ConnectorFault.Panic, error.Fault);
        Assert.Contains("the answer is not 41", error.Message);
        await AssertHostStillRunsConnectors();
    }

    private async Task AssertHostStillRunsConnectors()
    {
        using var next = Instance(new ConnectorInstanceOptions());
        var summary = await TestConnectorRuns.ReadAsync(next, new { scenario = "timer", millis = 1 });
        Assert.Equal(1, summary.Rows);
    }

    private ConnectorInstance Instance(ConnectorInstanceOptions options) => fixture.Runtime.CreateInstance(fixture.TestConnector, options);
}
