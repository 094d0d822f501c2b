using System.Globalization;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Pipeline.Benchmarks.Processes;
using Rapidbyte.Pipeline.Benchmarks.Workload;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>
/// The yardstick: PostgreSQL's binary COPY out of the source piped into a binary COPY into
/// the destination, <c>psql -c "COPY t TO STDOUT (FORMAT binary)" | psql -c "COPY t FROM
/// STDIN (FORMAT binary)"</c>. No client decodes a value: what is left is the servers' own
/// work plus moving bytes, the floor for any tool that goes through SQL.
/// </summary>
internal sealed class CopyPipeContender(PostgresServer server, string workDirectory) : IContender
{
    public string Name => "COPY binary, psql to psql";

    public bool IsYardstick => true;

    public async Task<LoadRun> LoadAsync(BenchmarkTable table, CancellationToken cancellationToken)
    {
        var script = $"set -o pipefail; {Psql(BenchmarkDatabases.Source, $"COPY {table.Name} TO STDOUT (FORMAT binary)")}"
                     + $" | {Psql(BenchmarkDatabases.Destination, $"COPY {table.Name} FROM STDIN (FORMAT binary)")}";
        // Plain TCP even where the server offers TLS (--tls): the yardstick stays the same.
        var environment = new Dictionary<string, string> { ["PGPASSWORD"] = server.Password, ["PGSSLMODE"] = "disable" };
        var process = await MeasuredProcess.RunAsync("bash", ["-c", script], workDirectory, environment, cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailure($"the COPY pipe of {table.Name} failed (exit {process.ExitCode}): {process.StderrTail}");
        }
        return new LoadRun(process);
    }

    private string Psql(string database, string command) => string.Join(' ', new[]
    {
        PostgresClientTools.Psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
        "--host", server.Host, "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--username", PostgresServer.User,
        "--dbname", database, "--command", command,
    }.Select(Shell.Quote));
}
