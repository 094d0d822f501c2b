using Rapidbyte.Contracts;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Connectors.Postgres.Tests;

/// <summary>Bad input gets its own error category and the server's words, and the destination is left as it was.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ErrorTests(PostgresPipeline pipeline)
{
    [Fact]
    public async Task A_wrong_password_is_an_auth_error_and_nothing_is_written()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.t (id int); INSERT INTO src.t VALUES (1);");

        var result = await pipeline.RunAsync(pipeline.Config(db.Name, "src", password: "wrong"), new StreamRequest("t"),
            db.DestinationConfig(), new StreamRequest("t", WriteMode: WriteMode.Append));

        Assert.Equal(ErrorCategory.Auth, result.Error?.Category);
        Assert.Contains("password authentication failed", result.Error!.Message);
        Assert.False(await db.TableExistsAsync("dst.t"));
    }

    [Fact]
    public async Task An_unreachable_port_is_a_network_error()
    {
        var db = await pipeline.CreateDatabaseAsync();
        var closed = LoopbackPorts.Unused();

        var result = await pipeline.RunAsync(pipeline.Config(db.Name, "src", port: closed), new StreamRequest("t"),
            db.DestinationConfig(), new StreamRequest("t", WriteMode: WriteMode.Append), port: closed);

        Assert.Equal(ErrorCategory.Network, result.Error?.Category);
        Assert.Contains(closed.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Error!.Message);
        Assert.False(await db.TableExistsAsync("dst.t"));
    }

    [Fact]
    public async Task A_missing_table_is_a_config_error_naming_it()
    {
        var db = await pipeline.CreateDatabaseAsync();

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("no_such_table"),
            db.DestinationConfig(), new StreamRequest("no_such_table", WriteMode: WriteMode.Append));

        Assert.Equal(ErrorCategory.Config, result.Error?.Category);
        Assert.Contains("no_such_table", result.Error!.Message);
        Assert.False(await db.TableExistsAsync("dst.no_such_table"));
    }

    [Fact]
    public async Task An_unsupported_type_under_strict_types_is_a_schema_error_naming_the_column()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.shapes (id int, location point); INSERT INTO src.shapes VALUES (1, '(1,2)');");

        var result = await pipeline.RunAsync(db.SourceConfig(strictTypes: true), new StreamRequest("shapes"),
            db.DestinationConfig(), new StreamRequest("shapes", WriteMode: WriteMode.Append));

        Assert.Equal(ErrorCategory.Schema, result.Error?.Category);
        Assert.Contains("location", result.Error!.Message);
        Assert.False(await db.TableExistsAsync("dst.shapes"));
    }

    [Fact]
    public async Task An_unsupported_type_without_strict_types_arrives_as_its_text_form()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.shapes (id int, location point); INSERT INTO src.shapes VALUES (1, '(1,2)');");

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("shapes"),
            db.DestinationConfig(), new StreamRequest("shapes", WriteMode: WriteMode.Append));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("(1,2)", await db.ScalarAsync<string>("SELECT location::text FROM dst.shapes"));
    }

    [Fact]
    public async Task A_timestamp_beyond_arrows_range_is_a_data_error_naming_the_column()
    {
        // PostgreSQL goes to 294276 AD; Arrow's microseconds since 1970 stop in 294247 AD.
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE src.far (id int, at timestamptz); INSERT INTO src.far VALUES (1, '294276-12-31 23:59:59+00');");

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("far"), db.DestinationConfig(), new StreamRequest("far", WriteMode: WriteMode.Append));

        Assert.Equal(ErrorCategory.Data, result.Error?.Category);
        Assert.Contains("\"at\"", result.Error!.Message);
        Assert.Equal(0L, await db.TableExistsAsync("dst.far") ? await db.ScalarAsync<long>("SELECT count(*) FROM dst.far") : 0L);
    }

    [Fact]
    public async Task An_incompatible_column_type_is_a_schema_error_before_any_row_is_written()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.t (id int, val text); INSERT INTO src.t VALUES (1, 'not a number');
            CREATE TABLE dst.t (id int, val int); INSERT INTO dst.t VALUES (7, 7);
            """);

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("t"), db.DestinationConfig(), new StreamRequest("t", WriteMode: WriteMode.Append));

        Assert.Equal(ErrorCategory.Schema, result.Error?.Category);
        Assert.Contains("val", result.Error!.Message);
        Assert.Equal(["7"], await db.ColumnAsync("SELECT id FROM dst.t"));
    }

    [Fact]
    public async Task A_new_source_column_is_added_to_the_destination_table()
    {
        var db = await pipeline.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE src.t (id int, val text, added_later numeric(8, 3)); INSERT INTO src.t VALUES (1, 'a', 1.5);
            CREATE TABLE dst.t (id int, val text);
            """);

        var result = await pipeline.RunAsync(db.SourceConfig(), new StreamRequest("t"), db.DestinationConfig(), new StreamRequest("t", WriteMode: WriteMode.Append));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(["1.500"], await db.ColumnAsync("SELECT added_later FROM dst.t"));
    }

}
