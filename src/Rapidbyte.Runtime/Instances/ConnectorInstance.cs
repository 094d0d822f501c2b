using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.Imports;
using Rapidbyte.Runtime.Lowering;
using Rapidbyte.Runtime.Modules;
using Rapidbyte.Runtime.State;
using Wasmtime;

namespace Rapidbyte.Runtime.Instances;

/// <summary>
/// One sandboxed connector: a Wasmtime Store with its own memory and CPU limits, and the
/// poll-protocol driver that runs its operations. Guest code runs in short synchronous
/// slices on thread-pool threads; between slices the instance holds no thread at all, so a
/// connector waiting on its database costs neither CPU nor a thread. A fault (trap, limit,
/// protocol violation) kills this instance only and surfaces as a
/// <see cref="ConnectorException"/>.
/// </summary>
public sealed partial class ConnectorInstance : IDisposable
{
    private readonly Store _store;
    private readonly InstanceContext _context;
    private readonly Func<int, int> _alloc;
    private readonly Func<int, int, int, int> _start;
    private readonly Func<int, int> _poll;
    private readonly Func<long> _output;
    private readonly ReadinessWaiter _waiter;
    private readonly ConnectorRuntime _runtime;
    private readonly ConnectorInstanceOptions _options;
    private int _running;
    private ConnectorException? _deathCause;

    internal ConnectorInstance(ConnectorRuntime runtime, ConnectorModule module, ConnectorInstanceOptions options)
    {
        Name = module.Name;
        _options = options;
        _context = new InstanceContext(module.Name, options, runtime.Egress, runtime.LoggerFactory.CreateLogger("Rapidbyte.Connector"));
        _runtime = runtime;
        _store = new Store(runtime.Engine, _context);
        _store.SetLimits(memorySize: options.MemoryLimitBytes, tableElements: 100_000, instances: 1, tables: 4, memories: 1);
        // No preopened directories, no environment, no arguments: the connector sees no
        // host state. Its stdout/stderr go to the log.
        _store.SetWasiConfiguration(new WasiConfiguration()
            .WithStandardOutputCallback(bytes => ObservabilityImports.OnGuestOutput(_context, bytes, isError: false))
            .WithStandardErrorCallback(bytes => ObservabilityImports.OnGuestOutput(_context, bytes, isError: true)));
        try
        {
            var instance = runtime.RunGuest(_store, options.SliceCpuLimit, () => runtime.Linker.Instantiate(_store, module.Module));
            _context.Memory = instance.GetMemory("memory")!;
            _alloc = instance.GetFunction<int, int>("rb_alloc")!;
            _start = instance.GetFunction<int, int, int, int>("rb_start")!;
            _poll = instance.GetFunction<int, int>("rb_poll")!;
            _output = instance.GetFunction<long>("rb_output")!;
            var eventBuffer = RunSlice(instance.GetFunction<int>("rb_events")!);
            _waiter = new ReadinessWaiter(_context, _context.Memory, eventBuffer);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The connector's name.</summary>
    public string Name { get; }

    /// <summary>Rows, bytes and batches so far, and the connector's own counters and gauges.</summary>
    public ConnectorMetrics Metrics => _context.Metrics;

    /// <summary>Set once a fault killed the instance; every later operation fails with it.</summary>
    public ConnectorException? DeathCause => _deathCause;

    /// <summary>
    /// Runs one operation to its end and returns its output JSON. Slices run on the thread
    /// pool, never on the caller's scheduler (an Orleans grain's), and never block it.
    /// </summary>
    /// <exception cref="ConnectorException">The connector failed, or a fault killed the instance.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<string> RunAsync(ConnectorOperation operation, string inputJson, ConnectorRunContext run, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException($"{Name}: an operation is already running on this instance");
        }
        return Task.Run(async () =>
        {
            try
            {
                return await DriveAsync(operation, inputJson, run, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }
        }, CancellationToken.None);
    }

    private async Task<string> DriveAsync(ConnectorOperation operation, string inputJson, ConnectorRunContext run, CancellationToken cancellationToken)
    {
        if (_deathCause is not null)
        {
            throw _deathCause;
        }
        _context.BeginOperation(operation, run);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled);
        Task? graceOver = null;
        try
        {
            var status = Start(operation, inputJson);
            while (true)
            {
                if (cancelled.Task.IsCompleted)
                {
                    graceOver ??= Task.Delay(_options.CancellationGracePeriod, CancellationToken.None);
                    if (graceOver.IsCompleted)
                    {
                        throw Kill(new OperationCanceledException(
                            $"{Name}: cancelled, and the connector did not stop within {_options.CancellationGracePeriod.TotalSeconds:0.#} s; the instance was abandoned",
                            cancellationToken));
                    }
                }
                switch (status)
                {
                    case Abi.Done:
                        var output = ReadOutput();
                        cancellationToken.ThrowIfCancellationRequested();
                        return output;
                    case Abi.Failed:
                        var error = ParseError(ReadOutput());
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new ConnectorException(Name, error);
                    case Abi.Yield:
                        await Task.Yield();
                        var ready = _waiter.CollectReadyEvents(cancelled.Task.IsCompleted);
                        status = RunSlice(() => _poll(ready));
                        break;
                    case Abi.Pending:
                        int events;
                        try
                        {
                            events = await _waiter.WaitAsync(cancelled.Task, graceOver).ConfigureAwait(false);
                        }
                        catch (InvalidOperationException lostWakeUp)
                        {
                            throw Kill(ConnectorException.ForFault(Name, ConnectorFault.ProtocolViolation, lostWakeUp.Message));
                        }
                        if (events == 0 && graceOver is { IsCompleted: true })
                        {
                            continue;
                        }
                        status = RunSlice(() => _poll(events));
                        break;
                    default:
                        throw Kill(ConnectorException.ForFault(Name, ConnectorFault.ProtocolViolation,
                            $"the connector returned status {status}, which protocol version {Abi.ProtocolVersion} does not define"));
                }
            }
        }
        finally
        {
            _context.EndOperation();
        }
    }

    private int Start(ConnectorOperation operation, string inputJson)
    {
        var input = System.Text.Encoding.UTF8.GetBytes(inputJson);
        var pointer = RunSlice(() => _alloc(input.Length));
        if (!GuestMemory.TryGetSpan(_context.Memory, pointer, input.Length, out var destination))
        {
            throw Kill(ConnectorException.ForFault(Name, ConnectorFault.ProtocolViolation,
                $"rb_alloc({input.Length}) returned {pointer}, which is outside the connector's memory"));
        }
        input.CopyTo(destination);
        return RunSlice(() => _start((int)operation, pointer, input.Length));
    }

    /// <summary>Runs guest code under the CPU limit and turns any fault into a typed error.</summary>
    private T RunSlice<T>(Func<T> slice)
    {
        try
        {
            return _runtime.RunGuest(_store, _options.SliceCpuLimit, slice);
        }
        catch (WasmtimeException e)
        {
            throw Kill(FaultClassifier.Classify(Name, e, _context, _options));
        }
    }

    private string ReadOutput()
    {
        var packed = RunSlice(_output);
        var pointer = (int)(packed >>> 32);
        var length = (int)(packed & 0xFFFF_FFFF);
        if (!GuestMemory.TryReadString(_context.Memory, pointer, length, out var output))
        {
            throw Kill(ConnectorException.ForFault(Name, ConnectorFault.ProtocolViolation,
                $"rb_output points outside the connector's memory ({pointer}, {length})"));
        }
        return output;
    }

    private ConnectorError ParseError(string json)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<ConnectorError>(json, ContractJson.Options)
                ?? throw new System.Text.Json.JsonException("null");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw Kill(ConnectorException.ForFault(Name, ConnectorFault.ProtocolViolation,
                $"the connector failed, but its error is not a connector-error JSON object ({e.Message}): {Truncate(json)}"));
        }
    }

    private TException Kill<TException>(TException cause) where TException : Exception
    {
        _deathCause ??= cause as ConnectorException
            ?? ConnectorException.ForFault(Name, ConnectorFault.None, cause.Message, cause);
        return cause;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";

    /// <summary>Frees the instance. Call it only when no operation is running.</summary>
    public void Dispose()
    {
        _store.Dispose();
        _context.Dispose();
    }
}
