using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Measurement;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Runtime.Benchmarks;

/// <summary>N guests waiting on silent sockets at once: threads, memory per guest, CPU while they wait.</summary>
internal static class IdleGuestsBenchmark
{
    public static async Task RunAsync(int guests)
    {
        using var runtime = new ConnectorRuntime();
        var connector = runtime.LoadModuleFile(RepositoryPaths.Connector("test-connector"));
        await using var server = new SilentServer();
        var options = new ConnectorInstanceOptions { Network = NetworkPolicy.Allow($"127.0.0.1:{server.Port}") };
        var config = JsonSerializer.SerializeToElement(new { scenario = "tcp_wait_eof", host = "127.0.0.1", port = server.Port });
        GC.Collect();
        var (threads0, rss0) = (ProcessStats.ThreadCount, ProcessStats.ResidentBytes);

        var instances = Enumerable.Range(0, guests).Select(_ => runtime.CreateInstance(connector, options)).ToList();
        var runs = instances.Select(i => i.ReadAsync(config, new StreamRequest("idle"), new BatchChannel())).ToList();
        await server.WaitForConnectionsAsync(guests, TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var cpu0 = ProcessStats.CpuTime;
        await Task.Delay(TimeSpan.FromSeconds(10));
        var cpu = ProcessStats.CpuTime - cpu0;
        var (threads, rss) = (ProcessStats.ThreadCount, ProcessStats.ResidentBytes);

        Console.WriteLine($"## {guests} idle guests");
        Console.WriteLine($"threads: {threads} (before: {threads0}); RSS: {rss / 1048576} MiB (before: {rss0 / 1048576} MiB) = {(rss - rss0) / guests / 1024} KiB per guest");
        Console.WriteLine($"CPU while all wait: {cpu.TotalMilliseconds:F0} ms in 10 s ({cpu.TotalMilliseconds / 100:F2} % of a core)");
        server.CloseConnections();
        await Task.WhenAll(runs);
        instances.ForEach(i => i.Dispose());
        Console.WriteLine();
    }
}
