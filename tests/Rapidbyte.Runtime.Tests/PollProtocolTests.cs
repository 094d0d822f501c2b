using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.State;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Runtime.Tests;

/// <summary>The poll protocol end to end: a Rust guest on the SDK, real sockets, real waits.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class PollProtocolTests(RuntimeFixture fixture)
{
    [Fact]
    public async Task Two_tasks_on_one_socket_a_reader_loop_and_a_writer_complete()
    {
        // The post-mortem's deadlock: one task reads the socket in a loop while another writes
        // requests on it. With a blocking host read the writer never ran.
        await using var server = new PingPongServer();
        using var instance = Instance(NetworkPolicy.Allow($"127.0.0.1:{server.Port}"));

        var summary = await TestConnectorRuns.ReadAsync(instance,
            new { scenario = "tcp_ping_pong", host = "127.0.0.1", port = server.Port, requests = 2000 });

        Assert.Equal(2000, summary.Rows);
    }

    [Fact]
    public async Task A_stream_ending_in_a_short_tail_on_an_open_connection_arrives_whole()
    {
        // Draining a bulk stream, the host has the kernel report readability only once a good
        // part of a buffer is there; the few bytes that end a COPY never come to that much, and
        // the server then waits for the client. Held back for good, they would hang the guest.
        // The 64 KiB part: whatever the bulk's last wake-up brought, the guest read a streaming
        // amount just before it waits for the tail.
        await using var server = new StreamingServer([8 << 20, 64 << 10, 100], pause: TimeSpan.FromMilliseconds(200));
        using var instance = Instance(NetworkPolicy.Allow($"127.0.0.1:{server.Port}"));

        var summary = await TestConnectorRuns.ReadAsync(instance,
            new { scenario = "tcp_stream", host = "127.0.0.1", port = server.Port, bytes = server.Total })
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(server.Total, summary.Rows);
    }

    [Fact]
    public async Task A_host_timer_wakes_a_sleeping_guest_without_a_blocked_thread()
    {
        using var instance = Instance();
        var started = System.Diagnostics.Stopwatch.StartNew();

        var summary = await TestConnectorRuns.ReadAsync(instance, new { scenario = "timer", millis = 300 });

        Assert.Equal(1, summary.Rows);
        Assert.InRange(started.ElapsedMilliseconds, 290, 10_000);
    }

    [Fact]
    public async Task State_checkpoints_counters_and_gauges_reach_the_host()
    {
        var state = new InMemoryConnectorStateStore();
        state.Put("counter", "41"u8);
        var checkpoints = new List<ConnectorCheckpoint>();
        using var instance = Instance(state: state);

        var summary = await TestConnectorRuns.ReadAsync(instance, new { scenario = "checkpoint_state" }, onCheckpoint: checkpoints.Add);

        Assert.Equal(42, summary.Rows);
        Assert.Equal("42", System.Text.Encoding.UTF8.GetString(state.Snapshot()["counter"]));
        var checkpoint = Assert.Single(checkpoints);
        Assert.Equal(42, System.Text.Json.JsonDocument.Parse(checkpoint.Payload).RootElement.GetProperty("cursor").GetInt32());
        Assert.Equal(3, instance.Metrics.Counters["test.rows"]);
        Assert.Equal(1.5, instance.Metrics.Gauges["test.gauge"]);
    }

    [Fact]
    public async Task Cancellation_wakes_a_waiting_guest_which_winds_down()
    {
        using var instance = Instance();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            TestConnectorRuns.ReadAsync(instance, new { scenario = "wait_cancel" }, cancellationToken: cancel.Token));

        // The guest saw the cancellation and ended on its own, long before the grace period.
        Assert.InRange(started.ElapsedMilliseconds, 250, 3_000);
        Assert.Null(instance.DeathCause);
    }

    [Fact]
    public async Task A_guest_that_ignores_cancellation_is_abandoned_after_the_grace_period()
    {
        await using var server = new SilentServer();
        using var instance = Instance(NetworkPolicy.Allow($"127.0.0.1:{server.Port}"),
            gracePeriod: TimeSpan.FromMilliseconds(500));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            TestConnectorRuns.ReadAsync(instance, new { scenario = "tcp_wait_eof", host = "127.0.0.1", port = server.Port }, cancellationToken: cancel.Token));

        Assert.InRange(started.ElapsedMilliseconds, 700, 5_000);
        Assert.NotNull(instance.DeathCause);
    }

    [Fact]
    public async Task An_unknown_scenario_is_a_config_error_naming_it()
    {
        using var instance = Instance();

        var error = await Assert.ThrowsAsync<ConnectorException>(() => TestConnectorRuns.ReadAsync(instance, new { scenario = "nope" }));

        Assert.Equal(Contracts.ErrorCategory.Config, error.Error.Category);
        Assert.Contains("nope", error.Message);
        Assert.Equal(ConnectorFault.None, error.Fault);
    }

    private ConnectorInstance Instance(NetworkPolicy? network = null, IConnectorStateStore? state = null, TimeSpan? gracePeriod = null) =>
        fixture.Runtime.CreateInstance(fixture.TestConnector, new ConnectorInstanceOptions
        {
            Network = network ?? NetworkPolicy.DenyAll,
            State = state ?? new InMemoryConnectorStateStore(),
            CancellationGracePeriod = gracePeriod ?? TimeSpan.FromSeconds(5),
        });
}
