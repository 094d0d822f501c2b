using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Batches;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Measurement;
using Rapidbyte.Testing.Postgres;

// Each connector alone against a real PostgreSQL: the source reading a 16-column table into
// batches kept in memory (through the Arrow mapping, in postgresql-binary, and in 2 and 4 page
// ranges on one snapshot), and the destination writing those batches (append, and replace
// with 1, 2 and 4 connections). Next to them,
// PostgreSQL's own binary COPY TO and COPY FROM of the same table (through Npgsql).
//   dotnet run -c Release --project tests/Rapidbyte.Connectors.Postgres.Benchmarks -- [rows] [rounds]
var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;

await using var server = await PostgresServer.StartAsync();
await server.ExecuteAsync($"""
    CREATE TABLE firenibble (
        f0 bigint PRIMARY KEY, f1 bigint, f2 bigint, f3 int,
        f4 float8, f5 float8, f6 float8, f7 float8,
        f8 varchar(32), f9 varchar(32), f10 date, f11 date, f12 date,
        f13 varchar(32), f14 varchar(32), f15 varchar(32));
    INSERT INTO firenibble
    SELECT i, i * 31, i * 17, (i % 2147483647)::int,
           i * 0.5, i * 1.25, sqrt(i), 1.0 / i,
           md5(i::text), md5((i + 1)::text), date '2000-01-01' + (i % 20000), date '1990-06-15' + (i % 7000), date '2020-02-29' - (i % 3000),
           md5((i + 2)::text), md5((i + 3)::text), md5((i + 4)::text)
    FROM generate_series(1, {rows}) AS i;
    CREATE TABLE firenibble_copy (LIKE firenibble);
    """);
await server.ExecuteAsync("VACUUM ANALYZE firenibble"); // VACUUM cannot share a batch with other statements
var tableBytes = await Scalar<long>(server, "SELECT pg_table_size('firenibble')");
Console.WriteLine($"firenibble: {rows:N0} rows, {tableBytes / 1048576.0:F0} MiB on disk; {rounds} rounds each; medians\n");

using var runtime = new ConnectorRuntime();
var source = runtime.LoadModuleFile(RepositoryPaths.Connector("source-postgres"));
var destination = runtime.LoadModuleFile(RepositoryPaths.Connector("dest-postgres"));
var options = new ConnectorInstanceOptions { Network = NetworkPolicy.Allow($"{server.Host}:{server.Port}") };
var config = JsonSerializer.SerializeToElement(new
{
    host = server.Host, port = server.Port, user = PostgresServer.User, password = server.Password, database = "postgres", schema = "public",
});

var meter = ServerCpuMeter.ForDataDirectory(await Scalar<string>(server, "SHOW data_directory"));
// Each read: the lane (Arrow mapping, or postgresql-binary as between two PostgreSQL connectors) and how many
// connections read the table's page ranges on one snapshot.
(string Name, string? Encoding, int Parallelism)[] reads =
[
    ("source-postgres read, Arrow mapping", null, 1),
    ("source-postgres read, postgresql-binary", "postgresql-binary", 1),
    ("source-postgres read, postgresql-binary, 2 ranges", "postgresql-binary", 2),
    ("source-postgres read, postgresql-binary, 4 ranges", "postgresql-binary", 4),
];
var measured = new Dictionary<string, List<(double Wall, double Client, double Server)>>();
var copyOutTimes = new List<double>();
var copyInTimes = new List<double>();
long ipcBytes = 0;
for (var round = 0; round < rounds; round++)
{
    foreach (var (name, encoding, parallelism) in reads)
    {
        // Source alone: batches are collected (so the destination can be measured on them next).
        var batches = new List<byte[]>();
        var channel = new BatchChannel(maxBatches: 1 << 20, maxBytes: long.MaxValue);
        var request = new StreamRequest("firenibble", NativeEncoding: encoding, Parallelism: parallelism);
        var (summary, cost) = await MeasureAsync(async () =>
        {
            using var reader = runtime.CreateInstance(source, options);
            return await reader.ReadAsync(config, request, channel);
        });
        Add(name, cost);
        ipcBytes = summary.Bytes;
        Check(summary.Rows, rows, name);
        // Kept as bytes: a destination disposes each batch it takes, and each write below takes its own copies.
        while (await channel.ReadAsync() is { } batch)
        {
            using (batch)
            {
                batches.Add(batch.Memory.ToArray());
            }
        }
        if (parallelism > 1)
        {
            continue;
        }

        // Destination alone, fed from memory with the batches of that lane; in postgresql-binary also a replace with
        // 1, 2 and 4 connections (all loading the new table).
        (string Name, WriteMode Mode, int Connections)[] writes = encoding is null
            ? [("dest-postgres write, Arrow mapping", WriteMode.Append, 1)]
            :
            [
                ($"dest-postgres write, {encoding}", WriteMode.Append, 1),
                ($"dest-postgres write, {encoding}, replace", WriteMode.Replace, 1),
                ($"dest-postgres write, {encoding}, replace, 2 connections", WriteMode.Replace, 2),
                ($"dest-postgres write, {encoding}, replace, 4 connections", WriteMode.Replace, 4),
            ];
        foreach (var (writeName, mode, connections) in writes)
        {
            await server.ExecuteAsync("DROP TABLE IF EXISTS public.firenibble_out");
            await server.ExecuteAsync("CHECKPOINT");
            var input = new BatchChannel(maxBatches: batches.Count + 1, maxBytes: long.MaxValue);
            batches.ForEach(b => input.TryWrite(ArrowBatch.CopyOf(b)));
            input.Complete();
            var write = new StreamRequest("firenibble_out", WriteMode: mode, NativeEncoding: encoding, Parallelism: connections);
            var (written, writeCost) = await MeasureAsync(async () =>
            {
                using var writer = runtime.CreateInstance(destination, options);
                return await writer.WriteAsync(config, write, input);
            });
            Add(writeName, writeCost);
            Check(written.Rows, rows, writeName);
        }
    }

    // PostgreSQL's own binary COPY, each direction alone, through Npgsql.
    var (copyOut, copyIn) = await CopyBaselineAsync(server);
    copyOutTimes.Add(copyOut);
    copyInTimes.Add(copyIn);
}

Console.WriteLine($"{"",-64} {"wall s",7} {"K rows/s",9} {"client CPU s",13} {"server CPU s",13}");
foreach (var (name, costs) in measured)
{
    var wall = Median(costs.Select(c => c.Wall));
    Console.WriteLine($"{name,-64} {wall,7:F2} {rows / wall / 1000,9:F0} {Median(costs.Select(c => c.Client)),13:F2} {Median(costs.Select(c => c.Server)),13:F2}");
}
Report("PostgreSQL COPY TO STDOUT binary (Npgsql raw)", copyOutTimes);
Report("PostgreSQL COPY FROM STDIN binary (Npgsql raw)", copyInTimes);
Console.WriteLine($"\nArrow IPC per run (last read): {ipcBytes / 1048576.0:F0} MiB ({(double)ipcBytes / rows:F0} bytes per row). Medians of {rounds}; client CPU: this process (the connector and the runtime); server CPU: the PostgreSQL backends that served it.");
return 0;

void Add(string name, (double Wall, double Client, double Server) cost)
{
    if (!measured.TryGetValue(name, out var list))
    {
        measured[name] = list = [];
    }
    list.Add(cost);
}

async Task<(T Result, (double Wall, double Client, double Server) Cost)> MeasureAsync<T>(Func<Task<T>> run)
{
    var serverBefore = await meter.ReadAsync(CancellationToken.None);
    var clientBefore = ProcessStats.CpuTime;
    var started = Stopwatch.GetTimestamp();
    var result = await run();
    var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var client = (ProcessStats.CpuTime - clientBefore).TotalSeconds;
    var serverCpu = await meter.ReadAsync(CancellationToken.None) - serverBefore;
    return (result, (wall, client, serverCpu));
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

void Report(string what, List<double> seconds)
{
    var median = seconds.Order().ElementAt(seconds.Count / 2);
    Console.WriteLine($"{what,-48} {median:F2} s  {rows / median / 1000:F0} K rows/s  {ipcBytes / median / 1048576:F0} MiB/s (Arrow IPC)  [{string.Join(", ", seconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))}]");
}

static void Check(long actual, long expected, string side)
{
    if (actual != expected)
    {
        throw new InvalidOperationException($"{side}: {actual} rows, expected {expected}");
    }
}

static async Task<T> Scalar<T>(PostgresServer server, string sql)
{
    await using var connection = new NpgsqlConnection(server.ConnectionString());
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    return (T)(await command.ExecuteScalarAsync())!;
}

static async Task<(double Out, double In)> CopyBaselineAsync(PostgresServer server)
{
    await server.ExecuteAsync("TRUNCATE firenibble_copy");
    await using var source = new NpgsqlConnection(server.ConnectionString());
    await using var target = new NpgsqlConnection(server.ConnectionString());
    await source.OpenAsync();
    await target.OpenAsync();
    using var buffer = new MemoryStream();
    var started = Stopwatch.GetTimestamp();
    await using (var output = await source.BeginRawBinaryCopyAsync("COPY firenibble TO STDOUT (FORMAT binary)"))
    {
        await output.CopyToAsync(buffer);
    }
    var copyOut = Stopwatch.GetElapsedTime(started).TotalSeconds;
    buffer.Position = 0;
    started = Stopwatch.GetTimestamp();
    await using (var input = await target.BeginRawBinaryCopyAsync("COPY firenibble_copy FROM STDIN (FORMAT binary)"))
    {
        await buffer.CopyToAsync(input);
    }
    return (copyOut, Stopwatch.GetElapsedTime(started).TotalSeconds);
}
