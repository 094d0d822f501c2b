using System.Text.Json;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Cli.Tests;

/// <summary>
/// <c>rapidbyte serve</c> and a plain <c>rapidbyte run</c> that hands its run to it: the same
/// output and the same cursors as a run on an embedded silo, whichever way each run goes.
/// </summary>
public sealed class ServeTests : IAsyncLifetime
{
    private PipelineDatabases _databases = null!;
    private string _home = null!;

    // Each test's own data directory and home: its server record, state file and anything
    // written under ~ are nobody else's.
    private Dictionary<string, string> Environment => new() { ["XDG_DATA_HOME"] = _home, ["HOME"] = _home };

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        _home = Directory.CreateTempSubdirectory("rapidbyte-serve-").FullName;
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            "CREATE TABLE items (id bigint PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g");
    }

    public async Task DisposeAsync()
    {
        await _databases.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    // Each through the command itself and through the native launcher the installed tool starts with.
    [Theory]
    [InlineData(CliEntry.Command)]
    [InlineData(CliEntry.Launcher)]
    public async Task A_run_goes_to_the_local_server_when_it_keeps_the_same_state_and_goes_on_from_the_same_cursor_either_way(CliEntry entry)
    {
        // The password as a reference (the server needs it too: its state is in the destination database).
        var file = Path.Combine(_home, "items.yaml");
        await File.WriteAllTextAsync(file, _databases.PipelineYaml("items", "- {name: items, sync_mode: incremental, cursor_field: id}", "upsert", "id")
            .Replace(_databases.Server.Password, "${RAPIDBYTE_SERVE_PASSWORD}", StringComparison.Ordinal));
        var runs = new Dictionary<string, string>(Environment) { ["RAPIDBYTE_SERVE_PASSWORD"] = _databases.Server.Password };
        var port = LoopbackPorts.Unused();
        using var server = CliProcess.StartWith(runs, "serve", file, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await UntilAsync(() => server.Stdout.Contains("rapidbyte server at", StringComparison.Ordinal) || server.Stderr.Contains("did not start", StringComparison.Ordinal));
        Assert.Contains("API authentication is off (Rapidbyte:Api:Authentication:Mode Development)", server.Stderr, StringComparison.Ordinal);

        // First run: handed to the server; then 100 new rows, run embedded: only those; then 50
        // more, handed over again: only those. One cursor, whichever way.
        var served = await CliProcess.RunAsync(entry, runs, "run", file, "--json", "-v");
        await _databases.ExecuteAsync(PipelineDatabases.Source, "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(301, 400) g");
        var embedded = await CliProcess.RunAsync(entry, runs, "run", file, "--json", "--embedded");
        await _databases.ExecuteAsync(PipelineDatabases.Source, "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(401, 450) g");
        var servedAgain = await CliProcess.RunAsync(entry, runs, "run", file, "--json", "-v");
        // A file with connector config problems: the server checks it (the client does not load
        // the connectors to hand a run over) and the user reads what an embedded run prints.
        var bad = Path.Combine(_home, "bad.yaml");
        await File.WriteAllTextAsync(bad, (await File.ReadAllTextAsync(file)).Replace("schema: public", "schema: public, shcema: x", StringComparison.Ordinal));
        var badServed = await CliProcess.RunAsync(entry, runs, "run", bad, "--json");
        var badServedVerbose = await CliProcess.RunAsync(entry, runs, "run", bad, "--json", "-v");
        var badEmbedded = await CliProcess.RunAsync(entry, runs, "run", bad, "--json", "--embedded");
        var another = await CliProcess.RunAsync(entry, runs, "serve", file, "--port", LoopbackPorts.Unused().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await server.InterruptAsync();
        var stopped = await server.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(served.ExitCode == 0, served.Stderr);
        Assert.Matches($"run [0-9a-f]{{12}} handed to the local server at http://127.0.0.1:{port}/", served.Stderr);
        Assert.DoesNotContain("handed to the local server", embedded.Stderr, StringComparison.Ordinal);
        Assert.Contains("handed to the local server", servedAgain.Stderr, StringComparison.Ordinal);
        var (first, second, third) = (Json(served.Stdout), Json(embedded.Stdout), Json(servedAgain.Stdout));
        Assert.Equal(Keys(second), Keys(first));
        Assert.Equal(Keys(second), Keys(third));
        Assert.Equal((300L, 100L, 50L), (RowsRead(first), RowsRead(second), RowsRead(third)));
        Assert.Equal(("succeeded", "succeeded", "succeeded"), (Status(first), Status(second), Status(third)));
        Assert.Contains("\"cursor\":\"450\"", Cursor(third), StringComparison.Ordinal);
        Assert.Equal(0, await _databases.DifferenceAsync("items", "items"));
        Assert.Equal((2, 2), (badServed.ExitCode, badEmbedded.ExitCode));
        Assert.Contains("bad.yaml:", badServed.Stderr, StringComparison.Ordinal);
        Assert.Contains("unknown key 'shcema'", badServed.Stderr, StringComparison.Ordinal);
        Assert.Contains("problems, nothing was run", badServed.Stderr, StringComparison.Ordinal);
        Assert.Equal(badEmbedded.Stderr, badServed.Stderr);
        // It did go to the server: one that keeps state elsewhere would have said so.
        Assert.DoesNotContain("running it here", badServedVerbose.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, another.ExitCode);
        Assert.Contains($"a local server is already up at http://127.0.0.1:{port}/", another.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, stopped);
        Assert.False(File.Exists(Path.Combine(_home, "rapidbyte", "server.json")));
        // The embedded run wrote the state the server's grains had read: their next write met a
        // version conflict, which they handle (they read again). Nothing to tell the user.
        Assert.DoesNotContain("fail:", server.Stderr, StringComparison.Ordinal);
        // No key file of ASP.NET Core's data protection (nothing uses it), and none of its warnings.
        Assert.DoesNotContain("DataProtection", server.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_home, ".aspnet")));
    }

    [Fact]
    public async Task A_server_that_cannot_write_where_it_keeps_its_files_says_where_and_why_and_stops()
    {
        // XDG_DATA_HOME under a regular file: no directory can be made there.
        var file = Path.Combine(_home, "a-file");
        await File.WriteAllTextAsync(file, "");
        var blocked = new Dictionary<string, string> { ["XDG_DATA_HOME"] = Path.Combine(file, "data"), ["HOME"] = _home };
        var pipeline = Path.Combine(_home, "items.yaml");
        await File.WriteAllTextAsync(pipeline, _databases.PipelineYaml("items", "- {name: items, sync_mode: full_refresh}", "replace"));

        // Its own state file (no pipeline given); then a pipeline's state database, where only its record is local.
        var ownState = await CliProcess.RunAsync(CliEntry.Command, blocked, "serve", "--port", LoopbackPorts.Unused().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var record = await CliProcess.RunAsync(CliEntry.Command, blocked, "serve", pipeline, "--port", LoopbackPorts.Unused().ToString(System.Globalization.CultureInfo.InvariantCulture));
        // And a state database nobody listens for: the silo's start itself fails.
        var unreachable = Path.Combine(_home, "unreachable.yaml");
        var closedPort = LoopbackPorts.Unused();
        await File.WriteAllTextAsync(unreachable, (await File.ReadAllTextAsync(pipeline)).Replace($"port: {_databases.Server.Port}", $"port: {closedPort}", StringComparison.Ordinal));
        var noState = await CliProcess.RunAsync(CliEntry.Command, Environment, "serve", unreachable, "--port", LoopbackPorts.Unused().ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal((1, 1), (ownState.ExitCode, record.ExitCode));
        Assert.Contains($"the local server did not start: the directory of its state file, {Path.Combine(file, "data", "rapidbyte")}, cannot be made:", ownState.Stderr, StringComparison.Ordinal);
        Assert.Contains($"the local server did not start: it cannot record itself in {Path.Combine(file, "data", "rapidbyte", "server.json")} (where XDG_DATA_HOME", record.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, noState.ExitCode);
        Assert.Equal($"the local server did not start: the state database at 127.0.0.1:{closedPort}", noState.Stderr.Trim()[..$"the local server did not start: the state database at 127.0.0.1:{closedPort}".Length]);
        Assert.DoesNotContain("Unhandled exception", ownState.Stderr + record.Stderr + noState.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("rapidbyte server at", ownState.Stdout + record.Stdout + noState.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CliEntry.Command)]
    [InlineData(CliEntry.Launcher)]
    public async Task A_pipeline_keeping_state_elsewhere_runs_embedded_beside_a_server(CliEntry entry)
    {
        var file = Path.Combine(_home, "elsewhere.yaml");
        await File.WriteAllTextAsync(file, _databases.PipelineYaml("elsewhere", "- {name: items, sync_mode: full_refresh}", "replace"));
        using var server = CliProcess.StartWith(Environment, "serve", "--port", LoopbackPorts.Unused().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await UntilAsync(() => server.Stdout.Contains("rapidbyte server at", StringComparison.Ordinal) || server.Stderr.Contains("did not start", StringComparison.Ordinal));

        var run = await CliProcess.RunAsync(entry, Environment, "run", file, "--json", "-v");

        Assert.Contains($"state in sqlite:{Path.Combine(_home, "rapidbyte", "state.db")}", server.Stdout, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains($"keeps state in sqlite:{Path.Combine(_home, "rapidbyte", "state.db")}, this pipeline in postgres://127.0.0.1:{_databases.Server.Port}/destination: running it here", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(300L, RowsRead(Json(run.Stdout)));
    }

    [Fact]
    public async Task The_launcher_hands_a_run_over_by_itself_and_starts_the_full_command_for_anything_else()
    {
        var file = Path.Combine(_home, "launched.yaml");
        await File.WriteAllTextAsync(file, _databases.PipelineYaml("launched", "- {name: items, sync_mode: full_refresh}", "replace"));
        var port = LoopbackPorts.Unused();
        using var server = CliProcess.StartWith(Environment, "serve", file, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await UntilAsync(() => server.Stdout.Contains("rapidbyte server at", StringComparison.Ordinal) || server.Stderr.Contains("did not start", StringComparison.Ordinal));

        // No full command beside it: a run it hands over works all the same, anything else cannot start.
        var served = await CliProcess.RunAsync(CliEntry.LauncherAlone, Environment, "run", file, "--json", "-v");
        var embedded = await CliProcess.RunAsync(CliEntry.LauncherAlone, Environment, "run", file, "--json", "--embedded");
        var status = await CliProcess.RunAsync(CliEntry.LauncherAlone, Environment, "status", file);

        Assert.True(served.ExitCode == 0, served.Stderr);
        Assert.Contains($"handed to the local server at http://127.0.0.1:{port}/", served.Stderr, StringComparison.Ordinal);
        Assert.Equal((300L, "succeeded"), (RowsRead(Json(served.Stdout)), Status(Json(served.Stdout))));
        Assert.Equal(0, await _databases.DifferenceAsync("items", "items"));
        foreach (var other in new[] { embedded, status })
        {
            Assert.Equal(1, other.ExitCode);
            Assert.Matches("^rapidbyte: cannot start /.+/rapidbyte: ", other.Stderr);
            Assert.Equal("", other.Stdout);
        }
    }

    private static JsonElement Json(string stdout) => JsonDocument.Parse(stdout).RootElement;

    private static List<string> Keys(JsonElement run) =>
        [.. run.EnumerateObject().Select(p => p.Name), .. run.GetProperty("streams")[0].EnumerateObject().Select(p => "streams." + p.Name)];

    private static long RowsRead(JsonElement run) => run.GetProperty("streams")[0].GetProperty("rows_read").GetInt64();

    private static string? Status(JsonElement run) => run.GetProperty("status").GetString();

    private static string Cursor(JsonElement run) => run.GetProperty("streams")[0].GetProperty("cursor").GetRawText();

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }
}
