using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Pipeline.Benchmarks.Processes;
using Rapidbyte.Pipeline.Benchmarks.Workload;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>
/// pgloader (Debian package <c>pgloader</c>) PostgreSQL to PostgreSQL, with its defaults for
/// a database source (4 workers, concurrency 1, 25,000-row batches), reading and writing text.
/// </summary>
internal sealed class PgloaderContender(PostgresServer server, string workDirectory) : IContender
{
    public const string Executable = "pgloader";

    public string Name => "pgloader";

    public bool IsYardstick => false;

    public async Task<LoadRun> LoadAsync(BenchmarkTable table, CancellationToken cancellationToken)
    {
        var commands = Path.Combine(workDirectory, $"pgloader-{table.Name}.load");
        await File.WriteAllTextAsync(commands, LoadCommand(table.Name), cancellationToken);
        // Debian's pgloader has a 1 GiB Lisp heap, which its default 4 workers x 100,000
        // prefetched rows exhaust on a million firenibble rows ("Heap exhausted, game over"):
        // 4 GiB keeps its default tuning. Its logs go to a directory of its own, not /tmp/pgloader.
        string[] arguments = ["--dynamic-space-size", "4096", "--root-dir", Path.Combine(workDirectory, "pgloader"), commands];
        var process = await MeasuredProcess.RunAsync(Executable, arguments, workDirectory, new Dictionary<string, string>(), cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailure($"pgloader of {table.Name} failed (exit {process.ExitCode}): {process.Stdout}\n{process.StderrTail}");
        }
        return new LoadRun(process);
    }

    // Into the existing, empty table and nothing else: "data only" issues just the COPY (no
    // CREATE, DROP, TRUNCATE, index, sequence or foreign key work), and the INCLUDING clause
    // (a quoted name is an exact match) keeps every other table of the source out.
    private string LoadCommand(string table) => $"""
        LOAD DATABASE
          FROM {Url(BenchmarkDatabases.Source)}
          INTO {Url(BenchmarkDatabases.Destination)}
          WITH data only, create no tables, create no indexes, include no drop, no truncate,
               reset no sequences, no foreign keys
          INCLUDING ONLY TABLE NAMES MATCHING '{table}' IN SCHEMA 'public';
        """;

    // Plain TCP even where the server offers TLS (--tls), as every contender but rapidbyte's TLS case.
    private string Url(string database) =>
        $"pgsql://{PostgresServer.User}:{server.Password}@{server.Host}:{server.Port}/{database}" + (server.Certificates is null ? "" : "?sslmode=disable");
}
