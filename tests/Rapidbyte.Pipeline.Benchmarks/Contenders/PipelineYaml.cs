using System.Globalization;
using Rapidbyte.Pipeline.Benchmarks.Database;
using Rapidbyte.Testing.Postgres;

namespace Rapidbyte.Pipeline.Benchmarks.Contenders;

/// <summary>The pipeline file of a benchmark run.</summary>
internal static class PipelineYaml
{
    /// <summary>
    /// The default resources (batches of 10,000 rows / 8 MiB, 4 in flight), as a user gets
    /// them: larger batches measured slower here (64K rows / 16 MiB: ~0.5 CPU s more per 1M
    /// rows and 300 instead of 190 MiB peak RSS; a batch that fits in the CPU caches is copied
    /// and decoded while still in them). The destination commits once, at the end, as the COPY
    /// pipe and pgloader do: commit_rows and commit_bytes far above any table here.
    /// </summary>
    /// <param name="tls">Both sides over TLS verified against the server's authority (sslmode verify-full); else, on a server offering TLS, explicitly plain (sslmode disable).</param>
    /// <param name="nativeLane">False: the source's native_lane: false, every column through the Arrow mapping instead of PostgreSQL's binary encoding.</param>
    public static string FullRefresh(string pipeline, string stream, PostgresServer server, bool tls = false, bool nativeLane = true) => $$"""
        version: "1"
        pipeline: {{pipeline}}
        source:
          use: source-postgres
          config: {{{Connection(server, BenchmarkDatabases.Source, tls)}}{{(nativeLane ? "" : ", native_lane: false")}}}
          streams:
            - name: {{stream}}
              sync_mode: full_refresh
        destination:
          use: dest-postgres
          config: {{{Connection(server, BenchmarkDatabases.Destination, tls)}}, commit_rows: 1000000000000, commit_bytes: 1000000000000000}
          write_mode: append
        """;

    private static string Connection(PostgresServer server, string database, bool tls) => string.Create(CultureInfo.InvariantCulture,
        $"host: {server.Host}, port: {server.Port}, user: {PostgresServer.User}, password: \"{server.Password}\", database: {database}, schema: public")
        + (server.Certificates is not { } certificates ? ""
            : tls ? $", sslmode: verify-full, sslrootcert: \"{certificates.RootFile}\""
            : ", sslmode: disable");
}
