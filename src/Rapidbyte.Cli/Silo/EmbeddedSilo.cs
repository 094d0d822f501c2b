using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rapidbyte.Grains.Composition;
using Rapidbyte.Grains.Execution;
using Rapidbyte.Grains.State;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Cli.Silo;

/// <summary>
/// A one-process Orleans silo for the CLI, composed like every Rapidbyte silo
/// (<see cref="RapidbyteSiloBuilderExtensions.AddRapidbyte"/>): local membership on loopback
/// ports nobody else holds, grain state in the pipeline's state database under the same
/// service id as the service's. Disposing it stops the silo (which also cancels any run
/// still going).
/// </summary>
internal sealed partial class EmbeddedSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedSilo(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// Starts a silo keeping state where <paramref name="spec"/> says; null (the reason printed
    /// on stderr) when the state database cannot be used.
    /// </summary>
    public static async Task<EmbeddedSilo?> TryStartAsync(PipelineSpec spec, LogLevel logLevel, PipelineEngineOptions engine, CancellationToken cancellationToken)
    {
        await using var start = Begin(spec, logLevel, engine, cancellationToken);
        var (silo, failure) = await start.TakeAsync();
        if (failure is not null)
        {
            await Console.Error.WriteLineAsync(failure);
        }
        return silo;
    }

    /// <summary>
    /// Starts a silo keeping state where <paramref name="spec"/> says on a thread of its own,
    /// from the first step: building the host is CPU work its caller can overlap with its own.
    /// </summary>
    public static SiloStart Begin(PipelineSpec spec, LogLevel logLevel, PipelineEngineOptions engine, CancellationToken cancellationToken) =>
        new(new SiloLogs(logLevel), (logs, token) => Task.Run(async () =>
        {
            string connection;
            try
            {
                connection = StateConnection.ConnectionString(spec);
            }
            catch (ArgumentException e)
            {
                return ((EmbeddedSilo?)null, (string?)$"the state database cannot be used: {e.Message}");
            }
            try
            {
                return (await StartAsync(spec.State.Backend, connection, logs, engine, token), null);
            }
            catch (Exception e) when (StartupFailure.Describe(e) is { } reason)
            {
                return (null, reason);
            }
        }, CancellationToken.None), cancellationToken);

    /// <summary>Creates the state schema (or file) if missing and starts the silo.</summary>
    /// <exception cref="StateDatabaseException">The state database cannot be reached or used.</exception>
    public static async Task<EmbeddedSilo> StartAsync(StateBackend backend, string stateConnection, SiloLogs logs, PipelineEngineOptions engine, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var options = Options(backend, stateConnection, engine);
        // The schema is made ready on another thread while this one builds the host: both take
        // a good part of start-up (the database's round trips, and CPU for dependency injection
        // and Orleans); the silo's start awaits this same work.
        var schema = backend == StateBackend.Postgres
            ? StateSchema.EnsureOnceAsync(stateConnection, options.State.Schema, cancellationToken)
            : Task.CompletedTask;
        IHost? host = null;
        try
        {
            host = Build(options, logs);
            var built = clock.Elapsed;
            await logs.StartingAsync(() => host.StartAsync(cancellationToken));
            var silo = new EmbeddedSilo(host);
            LogStarted(silo.Logger, built.TotalMilliseconds, clock.Elapsed.TotalMilliseconds);
            return silo;
        }
        catch
        {
            host?.Dispose();
            await schema.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
    }

    private static IHost Build(RapidbyteOptions options, SiloLogs logs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        Compose(builder, options, logs);
        return builder.Build();
    }

    /// <summary>
    /// The CLI's silo on <paramref name="builder"/>: settings (<paramref name="options"/>) through
    /// the service's own checks, logs on stderr, the silo composed by <c>AddRapidbyte</c>.
    /// A one-shot run and <c>rapidbyte serve</c> both start this one.
    /// </summary>
    public static void Compose(IHostApplicationBuilder builder, RapidbyteOptions options, SiloLogs logs)
    {
        builder.Configuration.AddInMemoryCollection(RapidbyteConfiguration.Entries(options));
        builder.Logging.ClearProviders();
        // stdout belongs to results (--json, the summary); logs go to stderr.
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // One rule for every category, so that no rule of a closer name goes around it.
        builder.Logging.AddFilter((_, category, level) => logs.Heard(category ?? "", level));
        builder.UseOrleans(silo => silo.AddRapidbyte(builder.Configuration));
    }

    /// <summary>The settings of the CLI's silo keeping state in <paramref name="stateConnection"/>: alone on loopback, firing no schedules.</summary>
    public static RapidbyteOptions Options(StateBackend backend, string stateConnection, PipelineEngineOptions engine)
    {
        // A silo inside a CLI process: the cluster's schedules and reminders are not its own.
        engine.FireSchedules = false;
        return new RapidbyteOptions
        {
            State = { Backend = backend, ConnectionString = stateConnection },
            Cluster = { Membership = MembershipKind.Local, SiloPort = 0, GatewayPort = 0 },
            Engine = engine,
        };
    }

    private ILogger Logger => _host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Rapidbyte.Cli.Silo");

    public async ValueTask DisposeAsync()
    {
        var clock = Stopwatch.StartNew();
        await _host.StopAsync(CancellationToken.None);
        LogStopped(Logger, clock.Elapsed.TotalMilliseconds);
        _host.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "host built after {BuiltMilliseconds:F0} ms (the state schema made ready side by side), silo started after {StartedMilliseconds:F0} ms")]
    private static partial void LogStarted(ILogger logger, double builtMilliseconds, double startedMilliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "silo stopped in {Milliseconds:F0} ms")]
    private static partial void LogStopped(ILogger logger, double milliseconds);
}
