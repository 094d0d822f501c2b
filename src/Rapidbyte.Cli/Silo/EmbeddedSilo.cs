using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Grains.State;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Cli.Silo;

/// <summary>
/// A one-process Orleans silo for the CLI: loopback only, on ports nobody else holds, grain
/// state in the pipeline's state database. Disposing it stops the silo (which also cancels
/// any run still going).
/// </summary>
internal sealed partial class EmbeddedSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly NpgsqlDataSource _state;

    private EmbeddedSilo(IHost host, NpgsqlDataSource state)
    {
        _host = host;
        _state = state;
    }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// Starts a silo keeping state where <paramref name="spec"/> says; null (the reason printed
    /// on stderr) when the state database cannot be used.
    /// </summary>
    public static async Task<EmbeddedSilo?> TryStartAsync(PipelineSpec spec, LogLevel logLevel, PipelineEngineOptions engine, CancellationToken cancellationToken)
    {
        try
        {
            return await StartAsync(StateConnection.ConnectionString(spec), logLevel, engine, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"the state database cannot be used: {e.Message}");
            return null;
        }
    }

    /// <summary>Creates the state schema if missing and starts the silo.</summary>
    /// <exception cref="NpgsqlException">The state database cannot be reached or used.</exception>
    public static async Task<EmbeddedSilo> StartAsync(string stateConnection, LogLevel logLevel, PipelineEngineOptions engine, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var state = StateSchema.CreateDataSource(stateConnection);
        // The schema is made ready on another thread while this one builds the host: both take
        // a good part of start-up (the database's round trips, and CPU for dependency injection
        // and Orleans), and the silo needs the schema only once it starts.
        var schema = Task.Run(async () =>
        {
            await StateSchema.EnsureAsync(state, cancellationToken: cancellationToken);
            return clock.Elapsed;
        }, cancellationToken);
        IHost? host = null;
        try
        {
            host = Build(state, logLevel, engine);
            var built = clock.Elapsed;
            var schemaReady = await schema;
            await host.StartAsync(cancellationToken);
            var silo = new EmbeddedSilo(host, state);
            LogStarted(silo.Logger, schemaReady.TotalMilliseconds, built.TotalMilliseconds, clock.Elapsed.TotalMilliseconds);
            return silo;
        }
        catch
        {
            host?.Dispose();
            // The data source may be disposed only once the schema work no longer uses it.
            await ((Task)schema).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await state.DisposeAsync();
            throw;
        }
    }

    private static IHost Build(NpgsqlDataSource state, LogLevel logLevel, PipelineEngineOptions engine)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Logging.ClearProviders();
        // stdout belongs to results (--json, the summary); logs go to stderr.
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Rapidbyte", logLevel);
        // Its start-up advice (server GC) does not apply to a one-process CLI.
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        // Its first check compares against a process start it has no time for yet (hours of "contention").
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: UnusedPort(), gatewayPort: UnusedPort());
            silo.AddRapidbyteStateStorage(state);
            silo.AddPipelineEngine(engine);
        });
        return builder.Build();
    }

    private ILogger Logger => _host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rapidbyte.Cli.Silo");

    public async ValueTask DisposeAsync()
    {
        var clock = Stopwatch.StartNew();
        await _host.StopAsync(CancellationToken.None);
        LogStopped(Logger, clock.Elapsed.TotalMilliseconds);
        _host.Dispose();
        await _state.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "state schema ready after {SchemaMilliseconds:F0} ms, host built after {BuiltMilliseconds:F0} ms (the two side by side), silo started after {StartedMilliseconds:F0} ms")]
    private static partial void LogStarted(ILogger logger, double schemaMilliseconds, double builtMilliseconds, double startedMilliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "silo stopped in {Milliseconds:F0} ms")]
    private static partial void LogStopped(ILogger logger, double milliseconds);

    // Two runs at once (two terminals) must not fight over Orleans' default ports.
    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
