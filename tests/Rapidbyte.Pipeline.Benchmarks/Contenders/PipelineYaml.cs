using System.Globalization;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>The pipeline file of a benchmark run.</summary>
internal static class PipelineYaml
{
    /// <summary>
    /// Batches of 64K rows / 16 MiB, 4 in flight. The destination commits once, at the end, as
    /// the COPY pipe and pgloader do: commit_rows and commit_bytes far above any table here.
    /// </summary>
    public static string FullRefresh(string pipeline, string stream, PostgresServer server) => $$"""
        version: "1"
        pipeline: {{pipeline}}
        source:
          use: source-postgres
          config: {{{Connection(server, BenchmarkDatabases.Source)}}}
          streams:
            - name: {{stream}}
              sync_mode: full_refresh
        destination:
          use: dest-postgres
          config: {{{Connection(server, BenchmarkDatabases.Destination)}}, commit_rows: 1000000000000, commit_bytes: 1000000000000000}
          write_mode: append
        resources:
          batch_rows: 65536
          batch_bytes: 16MiB
          max_inflight_batches: 4
        """;

    private static string Connection(PostgresServer server, string database) => string.Create(CultureInfo.InvariantCulture,
        $"host: {server.Host}, port: {server.Port}, user: {PostgresServer.User}, password: \"{server.Password}\", database: {database}, schema: public");
}
