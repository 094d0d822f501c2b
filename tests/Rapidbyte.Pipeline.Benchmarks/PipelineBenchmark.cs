using Rapidbyte.Pipeline.Benchmarks.Contenders;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Pipeline.Benchmarks.Probes;
using Rapidbyte.Pipeline.Benchmarks.Reporting;
using Rapidbyte.Pipeline.Benchmarks.Rounds;
using Rapidbyte.Pipeline.Benchmarks.Workload;
using Rapidbyte.Testing.Measurement;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Pipeline.Benchmarks;

/// <summary>
/// One benchmark run: a throwaway PostgreSQL server with a source and a destination
/// database, the generated tables, start-up, the throughput rounds, idle cost, the report.
/// </summary>
internal static class PipelineBenchmark
{
    /// <exception cref="BenchmarkFailure">A load failed or a destination differs from its source.</exception>
    public static async Task RunAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var withPgloader = await UsePgloaderAsync(options);
        var withPgcopydb = await UsePgcopydbAsync();
        await WorkDirectory.RunInAsync("rapidbyte-bench-", work => RunInAsync(work, options, withPgloader, withPgcopydb, cancellationToken));
    }

    private static async Task RunInAsync(string work, BenchmarkOptions options, bool withPgloader, bool withPgcopydb, CancellationToken cancellationToken)
    {
        Console.WriteLine($"{options.Title}: {options.Rows:N0} rows, {options.Rounds} round(s); starting PostgreSQL...");
        // --tls: the server offers TLS beside plain TCP, so both are measured against one server.
        await using var server = options.Tls
            ? await PostgresServer.StartWithTlsAsync(required: false, cancellationToken)
            : await PostgresServer.StartAsync(cancellationToken);
        var databases = await BenchmarkDatabases.CreateAsync(server);
        var runner = new RoundRunner(databases, ServerCpuMeter.ForDataDirectory(await databases.ScalarAsync<string>("postgres", "SHOW data_directory")));
        var rapidbyte = new RapidbyteContender(await RapidbyteCli.PrepareAsync(work, server, options.Smoke, cancellationToken));
        var copyPipe = new CopyPipeContender(server, work);

        Console.WriteLine("generating the source tables...");
        var firenibble = await databases.CreateSourceTableAsync(BenchmarkTables.Firenibble, options.Rows);
        var mixed = await databases.CreateSourceTableAsync(BenchmarkTables.Mixed, options.Rows);

        Console.WriteLine("start-up (one-row runs; the first compiles the connectors):");
        var startup = await StartupProbe.RunAsync(databases, runner, rapidbyte, options.Rounds, cancellationToken);

        Console.WriteLine($"starting a warm `rapidbyte serve` (untimed runs per table until .NET stops re-compiling, {WarmServerContender.MinWarmUpRuns} to {WarmServerContender.MaxWarmUpRuns}):");
        await using var warmServer = await WarmServerContender.StartAsync(
            rapidbyte.Cli, [BenchmarkTables.Firenibble, BenchmarkTables.Mixed], databases.ResetDestinationAsync, cancellationToken);

        Console.WriteLine("throughput:");
        var arrowLane = new RapidbyteContender(rapidbyte.Cli, nativeLane: false);
        var pgcopydb = withPgcopydb ? new PgcopydbContender(server, work) : null;
        List<BenchmarkCase> cases = [];
        foreach (var (table, facts) in new[] { (BenchmarkTables.Firenibble, firenibble), (BenchmarkTables.Mixed, mixed) })
        {
            cases.Add(new(rapidbyte, table, facts));
            cases.Add(new(arrowLane, table, facts));
            cases.Add(new(warmServer, table, facts));
            if (options.Tls && table == BenchmarkTables.Firenibble)
            {
                cases.Add(new(new RapidbyteContender(rapidbyte.Cli, tls: true), table, facts));
            }
            cases.Add(new(copyPipe, table, facts));
            if (pgcopydb is not null)
            {
                cases.Add(new(pgcopydb, table, facts));
            }
            if (withPgloader && table == BenchmarkTables.Firenibble)
            {
                cases.Add(new(new PgloaderContender(server, work), table, facts));
            }
        }
        var results = await runner.RunAsync(cases, options.Rounds, cancellationToken);
        var serverPeakRss = warmServer.ServerPeakRssBytes;

        Console.WriteLine($"idle cost (the source waits 0, {options.IdleSeconds} and {2 * options.IdleSeconds} s):");
        var idle = await IdleCostProbe.RunAsync(
            databases, runner, rapidbyte, options.IdleSeconds, options.SettleSeconds, startup.WarmSeconds, options.Rounds, cancellationToken);

        var report = new BenchmarkReport(
            DateTimeOffset.UtcNow, MachineInfo.Read(), await ToolVersions.ReadAsync(databases, withPgloader, withPgcopydb, rapidbyte.Cli),
            options.Rows, options.Rounds, options.Smoke,
            [TableSummary.Of(BenchmarkTables.Firenibble, firenibble), TableSummary.Of(BenchmarkTables.Mixed, mixed)],
            CaseSummary.Of(results, serverPeakRss, warmServer.WarmedAfter), startup, idle);
        var markdown = MarkdownReport.Render(report);
        Console.WriteLine();
        Console.Write(markdown);
        Console.WriteLine();
        // A smoke run's tiny figures say nothing: they must not replace the real ones.
        if (!options.Smoke)
        {
            foreach (var path in ResultFiles.Write(report, markdown))
            {
                Console.WriteLine($"wrote {path}");
            }
        }
        Console.WriteLine($"{options.Title}: passed: {runner.VerifiedLoads} loads, every destination equal to its source");
    }

    // pgcopydb is an optional extra (README: extra benchmark packages): left out with a note when missing.
    private static async Task<bool> UsePgcopydbAsync()
    {
        if (await ToolVersions.FirstLineAsync(PgcopydbContender.Executable, "--version") is not null)
        {
            return true;
        }
        Console.WriteLine("pgcopydb is not installed (apt-get install pgcopydb): left out");
        return false;
    }

    // pgloader is a contender of the real benchmark; a smoke run only checks what is installed.
    private static async Task<bool> UsePgloaderAsync(BenchmarkOptions options)
    {
        if (options.WithoutPgloader)
        {
            return false;
        }
        if (await ToolVersions.FirstLineAsync(PgloaderContender.Executable, "--version") is not null)
        {
            return true;
        }
        if (options.Smoke)
        {
            Console.WriteLine("pgloader is not installed: the smoke run leaves it out");
            return false;
        }
        throw new BenchmarkFailure("pgloader is not installed: apt-get install pgloader (scripts/setup.sh should), or pass --no-pgloader");
    }
}
