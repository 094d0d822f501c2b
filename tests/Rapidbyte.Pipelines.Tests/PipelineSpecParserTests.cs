using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Pipelines.Parsing;

namespace Rapidbyte.Pipelines.Tests;

public sealed class PipelineSpecParserTests
{
    private const string Valid = """
        version: "1"
        pipeline: orders_sync
        source:
          use: source-postgres
          config:
            host: 127.0.0.1
            port: 5432
            user: rapidbyte
            password: ${PG_PASSWORD}
            database: shop
          streams:
            - name: orders
              sync_mode: incremental
              cursor_field: updated_at
            - name: customers
              columns: [id, name]
        destination:
          use: dest-postgres
          config:
            host: 127.0.0.1
            port: "5433"
            database: warehouse
          write_mode: upsert
          primary_key: [id]
        state:
          connection: Host=127.0.0.1;Database=state
        schedule: "*/15 * * * *"
        resources:
          batch_rows: 5000
          batch_bytes: 4MiB
          max_inflight_batches: 8
          parallel_streams: 3
          connector_memory: 128MiB
          connector_cpu_limit: 30s
        network:
          allow: ["db.internal:5432"]
        """;

    [Theory]
    [InlineData("parallelism: 4", 4)]
    [InlineData("parallelism: auto", null)]
    [InlineData("columns: [id]", null)]
    public void A_streams_parallelism_is_a_number_of_connections_or_auto(string line, int? expected)
    {
        var spec = Parse(Valid.Replace("      columns: [id, name]", "      " + line));

        Assert.Equal(expected, spec.Source.Streams[1].Parallelism);
        // auto: half the cores, at least one.
        Assert.Equal(expected ?? 8, spec.Source.Streams[1].ParallelismFor(16));
        Assert.Equal(expected ?? 1, spec.Source.Streams[1].ParallelismFor(1));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("many")]
    public void A_parallelism_other_than_auto_or_1_to_64_is_an_error_at_its_value(string value)
    {
        var error = Assert.Throws<PipelineSpecException>(() => Parse(Valid.Replace("      columns: [id, name]", "      parallelism: " + value)));

        Assert.Contains($"pipeline.yaml:16:20 source.streams[1].parallelism: '{value}' is neither auto nor a whole number of connections from 1 to 64", error.Message);
    }

    private static readonly Dictionary<string, string> Environment = new() { ["PG_PASSWORD"] = "s3cr3t-1234" };

    [Fact]
    public void A_valid_file_parses_into_the_spec_with_variables_substituted()
    {
        var spec = Parse(Valid);

        Assert.Equal("orders_sync", spec.Name);
        Assert.Equal("source-postgres", spec.Source.Use);
        Assert.Equal("s3cr3t-1234", spec.Source.Config.GetProperty("password").GetString());
        Assert.Equal(JsonValueKind.Number, spec.Source.Config.GetProperty("port").ValueKind);
        Assert.Equal(JsonValueKind.String, spec.Destination.Config.GetProperty("port").ValueKind);
        Assert.Equal([("orders", SyncMode.Incremental, "updated_at"), ("customers", SyncMode.FullRefresh, null)],
            spec.Source.Streams.Select(s => (s.Name, s.SyncMode, s.CursorField)));
        Assert.Equal(["id", "name"], spec.Source.Streams[1].Columns!);
        Assert.Equal(WriteMode.Upsert, spec.Destination.WriteMode);
        Assert.Equal(["id"], spec.Destination.PrimaryKey);
        Assert.Equal("Host=127.0.0.1;Database=state", spec.State.Connection);
        Assert.Equal("*/15 * * * *", spec.Schedule!.Cron);
        Assert.Equal(new Spec.ResourceSpec(5000, 4 * 1024 * 1024, 8, 3, 128L * 1024 * 1024, TimeSpan.FromSeconds(30)), spec.Resources);
        Assert.Equal(["db.internal:5432"], spec.Network.Allow);
    }

    [Fact]
    public void Defaults_apply_to_what_a_minimal_file_leaves_out()
    {
        var spec = Parse("""
            version: 1
            pipeline: p
            source: {use: s, streams: [{name: t}]}
            destination: {use: d}
            """);

        Assert.Equal(WriteMode.Append, spec.Destination.WriteMode);
        Assert.Equal(SyncMode.FullRefresh, spec.Source.Streams[0].SyncMode);
        Assert.Null(spec.Schedule);
        Assert.Null(spec.State.Connection);
        Assert.Equal(new Spec.ResourceSpec(), spec.Resources);
    }

    [Fact]
    public void A_wrong_enum_value_is_reported_at_its_position_with_the_choices()
    {
        var errors = Errors(Valid.Replace("write_mode: upsert", "write_mode: upsrt"));

        Assert.Equal(["pipeline.yaml:23:15 destination.write_mode: 'upsrt' is not one of append, replace, upsert"], errors);
    }

    [Fact]
    public void A_connector_is_named_by_name_version_or_digest_and_anything_else_is_reported_at_its_position()
    {
        var digest = new string('a', 64);
        Assert.Equal("source-postgres@1.2.0", Parse(Valid.Replace("use: source-postgres", "use: source-postgres@1.2.0")).Source.Use);
        Assert.Equal($"dest-postgres@sha256:{digest}", Parse(Valid.Replace("use: dest-postgres", $"use: dest-postgres@sha256:{digest.ToUpperInvariant()}")).Destination.Use.ToLowerInvariant());

        var errors = Errors(Valid.Replace("use: source-postgres", "use: source-postgres@sha256:abc").Replace("use: dest-postgres", "use: Dest Postgres"));

        Assert.Equal([
            "pipeline.yaml:4:8 source.use: 'sha256:abc' is not a SHA-256 digest: write sha256: and the 64 hex digits of the module's SHA-256",
            "pipeline.yaml:18:8 destination.use: 'Dest Postgres' is not a connector name (lower-case letters, digits, '-' and '_', starting with a letter); write name, name@version or name@sha256:<64 hex digits>",
        ], errors);
    }

    [Fact]
    public void A_missing_environment_variable_is_named_at_the_value_that_uses_it()
    {
        var errors = Errors(Valid, new Dictionary<string, string>());

        Assert.Equal(["pipeline.yaml:9:15 source.config.password: environment variable PG_PASSWORD is not set"], errors);
    }

    [Fact]
    public void Unknown_keys_are_reported_with_the_keys_that_are_allowed()
    {
        var errors = Errors(Valid.Replace("  write_mode: upsert", "  write_mod: upsert\n  write_mode: upsert").Replace("state:", "stat:"));

        Assert.Equal(
        [
            "pipeline.yaml:23:3 destination.write_mod: unknown key 'write_mod'; expected one of: use, config, write_mode, primary_key",
            "pipeline.yaml:26:1 stat: unknown key 'stat'; expected one of: version, pipeline, source, destination, state, schedule, resources, network",
        ], errors);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_not_just_the_first()
    {
        var errors = Errors("""
            version: "2"
            pipeline: "bad name!"
            source:
              use: s
              streams:
                - name: t
                  sync_mode: incremental
                - name: t
            destination:
              use: d
              write_mode: upsert
            schedule: every hour
            resources:
              batch_bytes: lots
              parallel_streams: 0
              connector_cpu_limit: forever
            network:
              allow: ["db:99999"]
            """);

        Assert.Equal(
        [
            "pipeline.yaml:1:10 version: '2' is not a supported version; this Rapidbyte reads version 1 (also written 1.0)",
            "pipeline.yaml:2:11 pipeline: 'bad name!' is not a pipeline name: use letters, digits, '_', '.', '-' (at most 128, starting with a letter or digit)",
            "pipeline.yaml:7:18 source.streams[0].cursor_field: is required for an incremental stream",
            "pipeline.yaml:8:13 source.streams[1].name: stream 't' is listed twice",
            "pipeline.yaml:11:15 destination.primary_key: is required for write_mode upsert",
            "pipeline.yaml:12:11 schedule: 'every hour' is not a cron expression (minute hour day-of-month month day-of-week, e.g. '*/15 * * * *'): "
                + CronosReason("every hour"),
            "pipeline.yaml:14:16 resources.batch_bytes: 'lots' is not a size such as 8MiB, 64MB or 1048576",
            "pipeline.yaml:15:21 resources.parallel_streams: '0' is not a whole number from 1 to 256",
            "pipeline.yaml:16:24 resources.connector_cpu_limit: 'forever' is not a duration such as 500ms, 10s, 2m or 1h",
            "pipeline.yaml:18:10 network.allow[0]: network allow-list entry 'db:99999': '99999' is not a port (1-65535)",
        ], errors);
    }

    [Fact]
    public void An_unclosed_bracket_is_reported_where_it_opens()
    {
        var error = Assert.Single(Errors("version: 1\npipeline: p\nsource:\n  use: [unclosed\ndestination: {use: d}\n"));

        Assert.Equal("pipeline.yaml:4:8 not valid YAML: the parser could not continue after this point (an unclosed '[', '{' or quote?)", error);
    }

    [Fact]
    public void Broken_indentation_is_reported_at_its_line()
    {
        var error = Assert.Single(Errors("version: 1\npipeline: p\nsource:\n  use: s\n   streams: []\n"));

        Assert.StartsWith("pipeline.yaml:5:", error);
        Assert.Contains("not valid YAML", error);
    }

    [Fact]
    public void Required_sections_and_keys_are_named_when_missing()
    {
        var errors = Errors("version: 1\npipeline: p\n");

        Assert.Equal(["pipeline.yaml:1:1 source: is required", "pipeline.yaml:1:1 destination: is required"], errors);
    }

    [Fact]
    public void Secrets_never_appear_in_error_messages()
    {
        var exception = Assert.Throws<PipelineSpecException>(() => PipelineSpecParser.Parse(
            Valid.Replace("write_mode: upsert", "write_mode: nope").Replace("port: 5432", "port: ${PG_PASSWORD}:${PG_PASSWORD}"),
            "pipeline.yaml", Environment.GetValueOrDefault));

        Assert.DoesNotContain("s3cr3t", exception.Message);
    }

    private static Spec.PipelineSpec Parse(string yaml) => PipelineSpecParser.Parse(yaml, "pipeline.yaml", Environment.GetValueOrDefault);

    private static List<string> Errors(string yaml, Dictionary<string, string>? environment = null)
    {
        var env = environment ?? Environment;
        var exception = Assert.Throws<PipelineSpecException>(() => PipelineSpecParser.Parse(yaml, "pipeline.yaml", env.GetValueOrDefault));
        return exception.Errors.Select(e => e.ToString()).ToList();
    }

    // Cronos words its own reason; the test pins everything around it.
    private static string CronosReason(string expression)
    {
        try
        {
            Cronos.CronExpression.Parse(expression);
            return "";
        }
        catch (Cronos.CronFormatException e)
        {
            return e.Message;
        }
    }
}
