using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Testing.Measurement;
using Rapidbyte.Testing.Servers;
using Xunit.Abstractions;

namespace Rapidbyte.Runtime.Tests;

/// <summary>A thousand connectors waiting at once hold no thread each: the silo can keep thousands of streams open.</summary>
[Collection(MeasuredCollection.Name)]
public sealed class ManyIdleGuestsTests(RuntimeFixture fixture, ITestOutputHelper output)
{
    private const int Guests = 1000;

    [Fact]
    public async Task A_thousand_idle_guests_use_a_bounded_number_of_threads()
    {
        await using var server = new SilentServer();
        var options = new ConnectorInstanceOptions { Network = NetworkPolicy.Allow($"127.0.0.1:{server.Port}") };
        _ = fixture.TestConnector; // compile before measuring
        GC.Collect();
        var (threadsBefore, residentBefore) = (ProcessStats.ThreadCount, ProcessStats.ResidentBytes);

        var instances = Enumerable.Range(0, Guests).Select(_ => fixture.Runtime.CreateInstance(fixture.TestConnector, options)).ToList();
        try
        {
            var runs = instances.Select(instance =>
                TestConnectorRuns.ReadAsync(instance, new { scenario = "tcp_wait_eof", host = "127.0.0.1", port = server.Port })).ToList();
            await server.WaitForConnectionsAsync(Guests, TimeSpan.FromSeconds(120));
            await Task.Delay(1000);

            var cpuBefore = ProcessStats.CpuTime;
            await Task.Delay(TimeSpan.FromSeconds(2));
            var cpu = ProcessStats.CpuTime - cpuBefore;
            var (threads, resident) = (ProcessStats.ThreadCount, ProcessStats.ResidentBytes);
            output.WriteLine($"{Guests} idle guests: {threads} threads (before: {threadsBefore}), " +
                             $"RSS {resident / 1048576} MiB (before: {residentBefore / 1048576} MiB, {(resident - residentBefore) / Guests / 1024} KiB per guest), " +
                             $"{cpu.TotalMilliseconds:F0} ms CPU in 2 s");

            Assert.True(threads < 100, $"{threads} threads for {Guests} waiting guests: threads are being held per guest");
            Assert.True(cpu < TimeSpan.FromMilliseconds(400), $"{Guests} waiting guests used {cpu.TotalMilliseconds:F0} ms of CPU in 2 s");

            server.CloseConnections();
            var summaries = await Task.WhenAll(runs);
            Assert.All(summaries, s => Assert.Equal(0, s.Rows));
        }
        finally
        {
            instances.ForEach(i => i.Dispose());
        }
    }
}
