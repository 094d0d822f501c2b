using Microsoft.Extensions.Logging.Abstractions;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Network;
using Wasmtime;

namespace Rapidbyte.Runtime.Benchmarks;

/// <summary>
/// What one guest → host import call costs, through the runtime's real linker and imports:
/// an import that touches nothing, one that finds its instance (Store data), and one that
/// also bounds-checks guest memory.
/// </summary>
internal static class HostCallBenchmark
{
    private const int Calls = 5_000_000;

    private const string Wat = """
        (module
          (import "rapidbyte" "protocol_version" (func $version (result i32)))
          (import "rapidbyte" "is_cancelled" (func $cancelled (result i32)))
          (import "rapidbyte" "take_result" (func $take (param i32 i32) (result i64)))
          (memory (export "memory") 1)
          (func (export "empty") (param $n i32)
            (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
          (func (export "version") (param $n i32)
            (loop $l (drop (call $version)) (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
          (func (export "cancelled") (param $n i32)
            (loop $l (drop (call $cancelled)) (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
          (func (export "take") (param $n i32)
            (loop $l (drop (call $take (i32.const 64) (i32.const 16))) (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
        )
        """;

    public static void Run()
    {
        using var runtime = new ConnectorRuntime();
        using var module = Module.FromText(runtime.Engine, "host-call", Wat);
        using var context = new InstanceContext("host-call", new ConnectorInstanceOptions(), EgressPolicy.Unrestricted, NullLogger.Instance);
        using var store = new Store(runtime.Engine, context);
        store.SetEpochDeadline(ulong.MaxValue / 2);
        var instance = runtime.Linker.Instantiate(store, module);
        context.Memory = instance.GetMemory("memory")!;

        Console.WriteLine($"## Host import call cost ({Calls:N0} calls per round, 5 rounds)");
        var empty = Time(instance, "empty");
        Console.WriteLine($"empty guest loop:                             {empty:F1} ns/iteration");
        foreach (var (export, what) in new[]
                 {
                     ("version", "protocol_version (no Caller)"),
                     ("cancelled", "is_cancelled (Caller + Store data)"),
                     ("take", "take_result (+ memory bounds check)"),
                 })
        {
            var perCall = Time(instance, export) - empty;
            Console.WriteLine($"{what,-45} {perCall:F1} ns/call");
        }
        Console.WriteLine();
    }

    private static double Time(Instance instance, string export)
    {
        var function = instance.GetAction<int>(export)!;
        function(Calls / 10); // warm up
        return Measure.Median(Measure.Rounds(5, () => function(Calls))) * 1_000_000 / Calls;
    }
}
