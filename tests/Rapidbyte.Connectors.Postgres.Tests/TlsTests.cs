using System.Buffers.Binary;
using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Postgres;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>
/// Both connectors against a server that accepts TLS only (hostssl), with the host negotiating
/// TLS for them: data arrives exact, every certificate problem is a config error naming the
/// server and the reason, and a CancelRequest goes over TLS as the session does.
/// </summary>
[Collection(TlsPostgresCollection.Name)]
public sealed class TlsTests(TlsPostgresPipeline pipeline)
{
    // A million rows, as the issue asks: many TLS records and buffer refills both ways.
    private const int Rows = 1_000_000;

    [Fact]
    public async Task A_table_round_trips_exactly_over_verified_tls()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync($"""
            CREATE TABLE src.events (id int8 PRIMARY KEY, name text, amount numeric(12, 2), at timestamptz, payload bytea, tags text[]);
            INSERT INTO src.events
            SELECT g, 'event ' || g || repeat('x', g % 50), (g * 1.01)::numeric(12, 2), '2024-01-01'::timestamptz + g * interval '1 second',
                   decode(md5(g::text), 'hex'), ARRAY['a' || g, NULL]
            FROM generate_series(1, {Rows}) g;
            """);

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("events"),
            db.DestinationConfig(), new StreamRequest("events", WriteMode: WriteMode.Append));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(Rows, result.Written!.Rows);
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.events", "dst.events"));
    }

    [Fact]
    public async Task Verify_full_with_another_authority_is_a_config_error_naming_the_server()
    {
        var db = await pipeline.CreateDatabaseAsync();
        var config = pipeline.Config(db.Name, "src");
        config["sslrootcert"] = pipeline.Server.Certificates!.OtherRootFile;

        var error = await CheckFailsAsync(config);

        Assert.Equal(ErrorCategory.Config, error.Error.Category);
        Assert.False(error.Error.Retryable);
        Assert.Contains($"localhost:{pipeline.Server.Port}", error.Message);
        Assert.Contains("is not trusted", error.Message);
    }

    [Fact]
    public async Task Verify_full_by_an_address_the_certificate_does_not_name_is_a_name_mismatch()
    {
        var db = await pipeline.CreateDatabaseAsync();
        var config = pipeline.Config(db.Name, "src");
        config["host"] = "127.0.0.1";

        var error = await CheckFailsAsync(config, $"127.0.0.1:{pipeline.Server.Port}");

        Assert.Equal(ErrorCategory.Config, error.Error.Category);
        Assert.Contains($"127.0.0.1:{pipeline.Server.Port}", error.Message);
        Assert.Contains("name mismatch", error.Message);
    }

    [Fact]
    public async Task Verify_ca_by_that_address_checks_the_chain_only_and_connects()
    {
        var db = await pipeline.CreateDatabaseAsync();
        var config = pipeline.Config(db.Name, "src");
        config["host"] = "127.0.0.1";
        config["sslmode"] = "verify-ca";
        using var instance = Instance("source-postgres", $"127.0.0.1:{pipeline.Server.Port}");

        var result = await instance.CheckAsync(JsonSerializer.SerializeToElement(config));

        Assert.True(result.Ok, result.Message);
    }

    [Fact]
    public async Task A_client_certificate_logs_in_where_the_server_asks_for_one()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await pipeline.Server.ExecuteAsync($"DO $$ BEGIN CREATE ROLE {TestCertificates.ClientUser} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        var certificates = pipeline.Server.Certificates!;
        var config = pipeline.Config(db.Name, "src");
        config["user"] = TestCertificates.ClientUser;
        config.Remove("password");
        config["sslcert"] = certificates.ClientCertFile;
        config["sslkey"] = certificates.ClientKeyFile;
        using var instance = Instance("source-postgres");

        var result = await instance.CheckAsync(JsonSerializer.SerializeToElement(config));
        config.Remove("sslcert");
        config.Remove("sslkey");
        var without = await CheckFailsAsync(config);

        Assert.True(result.Ok, result.Message);
        Assert.Contains("certificate", without.Message);
    }

    [Fact]
    public async Task Sslmode_disable_gets_the_servers_own_refusal()
    {
        var db = await pipeline.CreateDatabaseAsync();
        var config = pipeline.Config(db.Name, "src");
        config["sslmode"] = "disable";

        var error = await CheckFailsAsync(config);

        Assert.Contains("no pg_hba.conf entry", error.Message);
        Assert.Contains("no encryption", error.Message);
    }

    [Fact]
    public async Task A_server_that_answers_no_to_the_sslrequest_is_a_config_error_under_require()
    {
        await using var server = new NoTlsServer();
        var config = pipeline.Config("postgres", "src", port: server.Port);
        config["host"] = "127.0.0.1";
        config["sslmode"] = "require";

        var error = await CheckFailsAsync(config, $"127.0.0.1:{server.Port}");

        Assert.Equal(ErrorCategory.Config, error.Error.Category);
        Assert.Contains($"127.0.0.1:{server.Port}", error.Message);
        Assert.Contains("does not accept TLS", error.Message);
    }

    [Fact]
    public async Task A_cancelled_read_cancels_its_query_over_tls()
    {
        var db = await pipeline.CreateDatabaseAsync();
        // The query sleeps long before its first row: only a CancelRequest ends it early.
        await db.ExecuteAsync("""
            CREATE FUNCTION src.slow(id int8) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(60); RETURN true; END $$;
            CREATE VIEW src.sleepy AS SELECT g::int8 AS id FROM generate_series(1, 10) g WHERE src.slow(g);
            """);
        await using var proxy = new RecordingProxy(pipeline.Server.Port);
        var sourceConfig = pipeline.Config(db.Name, "src", port: proxy.Port);
        using var cancel = new CancellationTokenSource();

        var run = pipeline.RunAsync(sourceConfig, new StreamRequest("sleepy"), db.DestinationConfig(),
            new StreamRequest("sleepy", WriteMode: WriteMode.Append), port: proxy.Port, cancellationToken: cancel.Token);
        await WaitUntilAsync(async () => await db.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db.Name}' AND query LIKE 'COPY%' AND state = 'active'") > 0);
        await cancel.CancelAsync();
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
            // A cancelled run may end either way; what matters is the server side.
        }

        await WaitUntilAsync(() => Task.FromResult(File.ReadAllText(pipeline.Server.LogFile).Contains("canceling statement due to user request", StringComparison.Ordinal)));
        var openings = proxy.Openings;
        Assert.True(openings.Count >= 2, $"expected the session and a CancelRequest through the proxy, saw {openings.Count} connection(s)");
        Assert.All(openings, opening => Assert.Equal(SslRequestCode, Code(opening)));
    }

    // PostgreSQL's SSLRequest: int32 length 8, int32 80877103.
    private const int SslRequestCode = 80877103;

    private static int Code(byte[] opening) => opening.Length == 8 ? BinaryPrimitives.ReadInt32BigEndian(opening.AsSpan(4)) : -1;

    private async Task<ConnectorException> CheckFailsAsync(Dictionary<string, object?> config, string? allow = null)
    {
        using var instance = Instance("source-postgres", allow);
        return await Assert.ThrowsAsync<ConnectorException>(() => instance.CheckAsync(JsonSerializer.SerializeToElement(config)));
    }

    private ConnectorInstance Instance(string connector, string? allow = null) =>
        pipeline.Runtime.CreateInstance(pipeline.Runtime.LoadModuleFile(RepositoryPaths.Connector(connector)),
            new ConnectorInstanceOptions
            {
                Network = NetworkPolicy.Allow([$"{pipeline.Server.Host}:{pipeline.Server.Port}", .. allow is null ? Array.Empty<string>() : [allow]]),
            });

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>Answers 'N' to the SSLRequest, as a server without TLS does, and hangs up at the next message.</summary>
    private sealed class NoTlsServer : LoopbackServer
    {
        protected override async Task ServeAsync(System.Net.Sockets.TcpClient client, CancellationToken stopping)
        {
            var stream = client.GetStream();
            await stream.ReadExactlyAsync(new byte[8], stopping);
            await stream.WriteAsync("N"u8.ToArray(), stopping);
            _ = await stream.ReadAsync(new byte[1024], stopping);
            client.Dispose();
        }
    }
}
