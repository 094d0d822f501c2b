using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rapidbyte.Runtime.Imports;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Modules;
using Wasmtime;

namespace Rapidbyte.Runtime.Engine;

/// <summary>
/// The connector runtime of one process (one silo): a Wasmtime engine with epoch
/// interruption, the host imports defined once on a shared linker, and the cache of
/// compiled modules. Load connector modules here, then create one instance per run.
/// </summary>
public sealed class ConnectorRuntime : IDisposable
{
    private readonly CompiledModuleCache _cache;
    private readonly ConnectorRuntimeOptions _options;
    private readonly ILogger _logger;

    public ConnectorRuntime(ConnectorRuntimeOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new ConnectorRuntimeOptions();
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger<ConnectorRuntime>();
        using var config = new Config().WithEpochInterruption(true);
        if (Environment.GetEnvironmentVariable("RAPIDBYTE_PERF_MAP") == "1")
        {
            // For `perf record`: names the compiled guest functions in /tmp/perf-<pid>.map,
            // next to .NET's own (DOTNET_PerfMapEnabled=1).
            config.WithProfilingStrategy(ProfilingStrategy.PerfMap);
        }
        Engine = new Wasmtime.Engine(config);
        Linker = new Linker(Engine);
        Linker.DefineWasi();
        ObservabilityImports.Define(Linker);
        SocketImports.Define(Linker);
        BatchImports.Define(Linker);
        StateImports.Define(Linker);
        TimeImports.Define(Linker);
        Ticker = new EpochTicker(Engine, _options.EpochInterval);
        _cache = new CompiledModuleCache(Engine, _options.CompiledCacheDirectory, _logger);
    }

    internal Wasmtime.Engine Engine { get; }

    internal Linker Linker { get; }

    internal ILoggerFactory LoggerFactory { get; }

    /// <summary>The silo operator's egress policy every instance connects under.</summary>
    internal Network.EgressPolicy Egress => _options.Egress;

    /// <summary>Every guest call goes through <see cref="RunGuest{T}"/>, so the CPU limit can stop it.</summary>
    internal EpochTicker Ticker { get; }

    /// <summary>
    /// Loads a connector module: verifies its SHA-256 when <paramref name="expectedSha256"/> is
    /// given, compiles it (or takes the compiled code from the cache), and checks it implements
    /// the contract. Compiled once per process per digest.
    /// </summary>
    /// <exception cref="Errors.ConnectorException">The digest differs, or the module does not implement the contract.</exception>
    public ConnectorModule LoadModule(string name, ReadOnlySpan<byte> wasm, string? expectedSha256 = null)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(wasm));
        if (expectedSha256 is not null && !string.Equals(digest, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw Errors.ConnectorException.ForFault(name, Errors.ConnectorFault.InvalidModule,
                $"the module's SHA-256 is {digest}, but {expectedSha256} was pinned; refusing to load it");
        }
        var (module, source, elapsed) = _cache.GetOrCompile(name, digest, wasm);
        var connector = ModuleContract.Verify(this, name, digest, module, source);
        _logger.LogModuleLoaded(name, digest[..12], source.ToString(), elapsed.TotalMilliseconds);
        return connector with { LoadTime = elapsed };
    }

    /// <summary>
    /// The module of <paramref name="digest"/> if this process compiled it already or its disk
    /// cache of compiled code holds it (checked against the contract), else null: no bytes needed.
    /// </summary>
    /// <exception cref="Errors.ConnectorException">The cached module does not implement the contract.</exception>
    public ConnectorModule? TryLoadCompiled(string name, string digest)
    {
        if (_cache.TryGetCompiled(name, digest.ToLowerInvariant()) is not var (module, source, elapsed))
        {
            return null;
        }
        var connector = ModuleContract.Verify(this, name, digest.ToLowerInvariant(), module, source);
        _logger.LogModuleLoaded(name, digest[..12], source.ToString(), elapsed.TotalMilliseconds);
        return connector with { LoadTime = elapsed };
    }

    /// <summary>Loads a connector module from a file (see <see cref="LoadModule"/>).</summary>
    public ConnectorModule LoadModuleFile(string path, string? expectedSha256 = null) =>
        LoadModule(Path.GetFileNameWithoutExtension(path), File.ReadAllBytes(path), expectedSha256);

    /// <summary>A new sandboxed instance of <paramref name="module"/>, for one run.</summary>
    public ConnectorInstance CreateInstance(ConnectorModule module, ConnectorInstanceOptions? options = null) =>
        new(this, module, options ?? new ConnectorInstanceOptions());

    /// <summary>
    /// Runs guest code in <paramref name="store"/> with a deadline of <paramref name="limit"/>:
    /// past it the guest traps with <see cref="Wasmtime.TrapCode.Interrupt"/>.
    /// </summary>
    internal T RunGuest<T>(Store store, TimeSpan limit, Func<T> call)
    {
        store.SetEpochDeadline(EpochTicksFor(limit));
        Ticker.SliceStarted();
        try
        {
            return call();
        }
        finally
        {
            Ticker.SliceEnded();
        }
    }

    /// <summary>The epoch deadline, in ticks, that stops a slice after <paramref name="limit"/>.</summary>
    private ulong EpochTicksFor(TimeSpan limit) =>
        (ulong)Math.Max(1, Math.Ceiling(limit / _options.EpochInterval));

    public void Dispose()
    {
        Ticker.Dispose();
        _cache.Dispose();
        Linker.Dispose();
        Engine.Dispose();
    }
}
