using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Pipeline.Benchmarks.Processes;
using Rapidbyte.Pipeline.Benchmarks.Workload;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>
/// pgcopydb (Debian package <c>pgcopydb</c>): <c>pgcopydb copy table-data</c> from the source
/// database into the existing, empty table of the destination, limited to the one table by a
/// filter file (<c>[include-only-table]</c>); its defaults otherwise (it exports a snapshot on
/// the source and streams the source's COPY TO into a COPY FROM on the destination).
/// </summary>
internal sealed class PgcopydbContender(PostgresServer server, string workDirectory) : IContender
{
    public const string Executable = "pgcopydb";

    public string Name => "pgcopydb copy table-data";

    public bool IsYardstick => false;

    public async Task<LoadRun> LoadAsync(BenchmarkTable table, CancellationToken cancellationToken)
    {
        var filters = Path.Combine(workDirectory, $"pgcopydb-{table.Name}.filters");
        await File.WriteAllTextAsync(filters, $"[include-only-table]\npublic.{table.Name}\n", cancellationToken);
        // A fresh working directory each load: pgcopydb keeps its progress there and would skip
        // a table it already copied.
        var directory = Path.Combine(workDirectory, "pgcopydb", Guid.NewGuid().ToString("N"));
        string[] arguments =
        [
            "copy", "table-data", "--source", Url(BenchmarkDatabases.Source), "--target", Url(BenchmarkDatabases.Destination),
            "--dir", directory, "--filters", filters,
        ];
        var process = await MeasuredProcess.RunAsync(Executable, arguments, workDirectory, new Dictionary<string, string>(), cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailure($"pgcopydb of {table.Name} failed (exit {process.ExitCode}): {process.StderrTail}");
        }
        Directory.Delete(directory, recursive: true);
        return new LoadRun(process);
    }

    // Plain TCP even where the server offers TLS (--tls), as every contender but rapidbyte's TLS case.
    private string Url(string database) =>
        $"postgres://{PostgresServer.User}:{server.Password}@{server.Host}:{server.Port}/{database}?sslmode=disable";
}
