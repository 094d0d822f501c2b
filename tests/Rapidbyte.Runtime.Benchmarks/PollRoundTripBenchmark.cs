using System.Diagnostics;
using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Lowering;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Measurement;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Runtime.Benchmarks;

/// <summary>
/// What one turn of the poll protocol costs: a YIELD round trip (host → guest → host with
/// nothing to wait for), and a full PENDING round trip over a real socket (guest writes a
/// request, waits, the host awaits readiness with no thread held, polls again).
/// </summary>
internal static class PollRoundTripBenchmark
{
    private const int Yields = 200_000;
    private const int Requests = 20_000;

    // rb_start counts the input's bytes as the number of YIELDs to return before DONE.
    private static readonly string YieldingGuest = $$"""
        (module
          (memory (export "memory") 8)
          (data (i32.const 0) "\"ok\"")
          (global $left (mut i32) (i32.const 0))
          (func (export "rb_protocol_version") (result i32) (i32.const {{Abi.ProtocolVersion}}))
          (func (export "rb_alloc") (param i32) (result i32) (i32.const 1024))
          (func (export "rb_free") (param i32 i32))
          (func (export "rb_start") (param i32 i32 i32) (result i32) (global.set $left (local.get 2)) (i32.const 2))
          (func (export "rb_poll") (param i32) (result i32)
            (if (result i32) (i32.eqz (global.get $left))
              (then (i32.const 0))
              (else (global.set $left (i32.sub (global.get $left) (i32.const 1))) (i32.const 2))))
          (func (export "rb_events") (result i32) (i32.const 512))
          (func (export "rb_output") (result i64) (i64.const 4))
        )
        """;

    public static async Task RunAsync()
    {
        using var runtime = new ConnectorRuntime();
        Console.WriteLine("## Poll round trips");

        var yielding = runtime.LoadModule("yielding", Wasmtime.Module.ConvertText(YieldingGuest));
        using (var instance = runtime.CreateInstance(yielding))
        {
            var input = "{}".PadRight(Yields);
            await instance.RunAsync(ConnectorOperation.Close, "{}".PadRight(1000), ConnectorRunContext.None);
            var times = new double[5];
            for (var i = 0; i < times.Length; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await instance.RunAsync(ConnectorOperation.Close, input, ConnectorRunContext.None);
                times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds * 1000 / Yields;
            }
            Console.WriteLine($"YIELD round trip (Task.Yield + rb_poll):      {Measure.Spread(times)} µs");
        }

        var connector = runtime.LoadModuleFile(RepositoryPaths.Connector("test-connector"));
        await using var server = new PingPongServer();
        var options = new ConnectorInstanceOptions { Network = NetworkPolicy.Allow($"127.0.0.1:{server.Port}") };
        var config = JsonSerializer.SerializeToElement(new { scenario = "tcp_request_reply", host = "127.0.0.1", port = server.Port, requests = Requests });
        var rounds = new List<(double Micros, double CpuMicros)>();
        for (var i = 0; i < 4; i++)
        {
            using var instance = runtime.CreateInstance(connector, options);
            var cpu = ProcessStats.CpuTime;
            var started = Stopwatch.GetTimestamp();
            var summary = await instance.ReadAsync(config, new StreamRequest("bench"), new BatchChannel());
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (summary.Rows != Requests)
            {
                throw new InvalidOperationException($"expected {Requests} replies, got {summary.Rows}");
            }
            if (i > 0)
            {
                rounds.Add((elapsed.TotalMicroseconds / Requests, (ProcessStats.CpuTime - cpu).TotalMicroseconds / Requests));
            }
        }
        Console.WriteLine($"PENDING round trip over loopback TCP:         {Measure.Spread(rounds.Select(r => r.Micros).ToArray())} µs per request/reply " +
                          $"(process CPU, server included: {Measure.Median(rounds.Select(r => r.CpuMicros)):F1} µs)");

        // The same conversation from plain .NET async sockets, no guest: what the server and
        // the loopback hop cost on their own.
        var baseline = new double[3];
        for (var i = 0; i < baseline.Length; i++)
        {
            baseline[i] = await PlainClientMicrosAsync(server.Port);
        }
        Console.WriteLine($"same requests from a plain .NET async client: {Measure.Spread(baseline)} µs per request/reply");
        Console.WriteLine();
    }

    private static async Task<double> PlainClientMicrosAsync(int port)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var buffer = new byte[64];
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < Requests; i++)
        {
            var request = System.Text.Encoding.ASCII.GetBytes($"ping {i}\n");
            await socket.SendAsync(request);
            var expected = request.Length; // "pong i\n" is as long as "ping i\n"
            for (var received = 0; received < expected;)
            {
                received += await socket.ReceiveAsync(buffer.AsMemory(received));
            }
        }
        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / Requests;
    }
}
