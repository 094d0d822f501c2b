using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.Lowering;
using Wasmtime;

namespace Rapidbyte.Runtime.Modules;

/// <summary>
/// Checks, before any run, that a module implements the contract of wit/LOWERING.md: the
/// exports with their signatures, only imports this host provides (never WASI's blocking
/// <c>poll_oneoff</c>), and the same protocol version. A module that fails is refused at load
/// with a message saying what is wrong, rather than failing mid-run.
/// </summary>
internal static class ModuleContract
{
    private static readonly (string Name, ValueKind[] Parameters, ValueKind[] Results)[] RequiredExports =
    [
        ("rb_protocol_version", [], [ValueKind.Int32]),
        ("rb_alloc", [ValueKind.Int32], [ValueKind.Int32]),
        ("rb_free", [ValueKind.Int32, ValueKind.Int32], []),
        ("rb_start", [ValueKind.Int32, ValueKind.Int32, ValueKind.Int32], [ValueKind.Int32]),
        ("rb_poll", [ValueKind.Int32], [ValueKind.Int32]),
        ("rb_events", [], [ValueKind.Int32]),
        ("rb_output", [], [ValueKind.Int64]),
    ];

    private static readonly HashSet<string> HostImports =
    [
        "protocol_version", "log", "tcp_connect", "tcp_connect_tls", "tcp_read", "tcp_write", "tcp_close", "emit_batch", "next_batch",
        "checkpoint", "source_checkpoint", "state_get", "state_put", "counter_add", "gauge_set", "timer_start", "timer_cancel",
        "is_cancelled", "take_result",
    ];

    public static ConnectorModule Verify(ConnectorRuntime runtime, string name, string digest, Module module, ModuleSource source)
    {
        var problems = new List<string>();
        foreach (var import in module.Imports)
        {
            if (import.ModuleName == Abi.WasiModule && import.Name == "poll_oneoff")
            {
                problems.Add("it imports WASI poll_oneoff (sleep), which would block a host thread; connectors wait with host timers");
            }
            else if (import.ModuleName != Abi.WasiModule && !(import.ModuleName == Abi.ImportModule && HostImports.Contains(import.Name)))
            {
                problems.Add($"it imports {import.ModuleName}.{import.Name}, which this host (protocol {Abi.ProtocolVersion}) does not provide");
            }
        }
        if (!module.Exports.Any(e => e is MemoryExport { Name: "memory" }))
        {
            problems.Add("it exports no memory named 'memory'");
        }
        foreach (var (export, parameters, results) in RequiredExports)
        {
            var function = module.Exports.OfType<FunctionExport>().FirstOrDefault(e => e.Name == export);
            if (function is null)
            {
                problems.Add($"it does not export {export}");
            }
            else if (!function.Parameters.SequenceEqual(parameters) || !function.Results.SequenceEqual(results))
            {
                problems.Add($"its {export} has the wrong signature ({string.Join(",", function.Parameters)}) -> ({string.Join(",", function.Results)})");
            }
        }
        if (problems.Count == 0 && GuestProtocolVersion(runtime, module) is var version && version != Abi.ProtocolVersion)
        {
            problems.Add($"it speaks protocol version {version}, this host speaks {Abi.ProtocolVersion} (build it again with this release's rapidbyte-sdk, then publish that build)");
        }
        if (problems.Count > 0)
        {
            throw ConnectorException.ForFault(name, ConnectorFault.InvalidModule,
                $"not a Rapidbyte connector module: {string.Join("; ", problems)}");
        }
        return new ConnectorModule(name, digest, module, source);
    }

    private static int GuestProtocolVersion(ConnectorRuntime runtime, Module module)
    {
        using var store = new Store(runtime.Engine);
        store.SetLimits(memorySize: 64L * 1024 * 1024);
        return runtime.RunGuest(store, TimeSpan.FromSeconds(1),
            () => runtime.Linker.Instantiate(store, module).GetFunction<int>("rb_protocol_version")!());
    }
}
