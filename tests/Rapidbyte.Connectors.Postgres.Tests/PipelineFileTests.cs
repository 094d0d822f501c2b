using Rapidbyte.Engine.Connectors;
using Rapidbyte.Engine.Streams;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Testing;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>From a pipeline file to rows in the destination: spec, planner, runner, real servers.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PipelineFileTests(PostgresPipeline pipeline)
{
    [Fact]
    public async Task A_pipeline_file_with_an_env_secret_moves_the_rows()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.orders (id int8 PRIMARY KEY, total numeric(10, 2)); INSERT INTO src.orders SELECT i, i / 4.0 FROM generate_series(1, 5000) AS i;");
        var yaml = $"""
            version: 1
            pipeline: orders
            source:
              use: source-postgres
              config: {Config(db.Name, "src")}
              streams:
                - name: orders
                  sync_mode: incremental
                  cursor_field: id
            destination:
              use: dest-postgres
              config: {Config(db.Name, "dst")}
              write_mode: upsert
              primary_key: [id]
            """;
        var spec = PipelineSpecParser.Parse(yaml, "orders.yaml", name => name == "PG_PASSWORD" ? pipeline.Server.Password : null);
        var (source, destination) = await new StreamPlanner(new ConnectorRegistry(pipeline.Runtime, RepositoryPaths.ConnectorsDirectory))
            .PlanAsync(spec, spec.Source.Streams[0], cursor: null);

        var result = await new StreamRunner(pipeline.Runtime).RunAsync(source, destination);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal((0L, 0L), await db.DifferenceAsync("src.orders", "dst.orders"));
        Assert.Contains("5000", result.CommittedCursor);
    }

    private string Config(string database, string schema) =>
        $"{{host: {pipeline.Server.Host}, port: {pipeline.Server.Port}, user: postgres, password: \"${{PG_PASSWORD}}\", database: {database}, schema: {schema}}}";
}
