using System.Text.Json;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Silos;

namespace Rapidbyte.Cli.Tests;

/// <summary>
/// <c>rapidbyte pipelines ...</c> against a running silo process: the CLI as a client of the
/// cluster, which it finds through the cluster's state database.
/// </summary>
public sealed class PipelinesCommandTests : IAsyncLifetime
{
    private const string PasswordVariable = "RAPIDBYTE_PG_PASSWORD";
    private PipelineDatabases _databases = null!;
    private SiloProcess? _silo;
    private string _directory = null!;

    private Dictionary<string, string> Cluster => new() { ["RAPIDBYTE_CLUSTER"] = _databases.Server.ConnectionString("state") };

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        _directory = Directory.CreateTempSubdirectory("rapidbyte-cli-cluster-").FullName;
        await _databases.Server.ExecuteAsync("CREATE DATABASE state");
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            "CREATE TABLE items (id bigint PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 400) g");
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
        await _databases.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task StartSiloAsync()
    {
        _silo = SiloProcess.Start(_databases.Server.ConnectionString("state"), clusterId: "rapidbyte",
            settings: new Dictionary<string, string?> { [PasswordVariable] = _databases.Server.Password });
        await _silo.WaitReadyAsync();
    }

    private string Yaml(string name, string schedule) =>
        _databases.PipelineYaml(name, "- {name: items, sync_mode: incremental, cursor_field: id}", "upsert", "id")
            .Replace($"password: \"{_databases.Server.Password}\"", $"password: \"${{{PasswordVariable}}}\"") + schedule;

    [Fact]
    public async Task A_pipeline_registered_from_the_cli_shows_its_next_run_runs_on_request_and_is_deleted()
    {
        await StartSiloAsync();
        var file = Write("nightly.yaml", Yaml("nightly", "schedule: {cron: \"0 2 * * *\", timezone: Europe/Berlin}\n"));

        var registered = await CliProcess.RunWithAsync(Cluster, "pipelines", "register", file);
        var listed = await CliProcess.RunWithAsync(Cluster, "pipelines", "list", "--json");
        var triggered = await CliProcess.RunWithAsync(Cluster, "pipelines", "trigger", "nightly", "--json");
        var runId = JsonDocument.Parse(triggered.Stdout).RootElement.GetProperty("run_id").GetString();
        var history = await UntilAsync(async () => await CliProcess.RunWithAsync(Cluster, "pipelines", "history", "nightly", "--json"),
            result => JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray().Any(r => r.GetProperty("status").GetString() == "succeeded"));
        var deleted = await CliProcess.RunWithAsync(Cluster, "pipelines", "delete", "nightly");
        var gone = await CliProcess.RunWithAsync(Cluster, "pipelines", "show", "nightly");

        Assert.True(registered.ExitCode == 0, registered.Stderr);
        Assert.Matches(@"^pipeline nightly: version 1 registered; schedule 0 2 \* \* \* \(Europe/Berlin\), next run \d{4}-\d\d-\d\d 0[01]:00:00 UTC\n$", registered.Stdout);
        var entry = Assert.Single(JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray());
        Assert.Equal("nightly", entry.GetProperty("name").GetString());
        Assert.Contains($"${{{PasswordVariable}}}", entry.GetProperty("yaml").GetString());
        Assert.True(triggered.ExitCode == 0, triggered.Stderr);
        var run = JsonDocument.Parse(history.Stdout).RootElement.EnumerateArray().First();
        Assert.Equal((runId, "manual", 400L), (run.GetProperty("run_id").GetString(), run.GetProperty("trigger").GetString(), run.GetProperty("streams")[0].GetProperty("rows_committed").GetInt64()));
        Assert.Equal(0, await _databases.DifferenceAsync("items", "items"));
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        Assert.Equal("pipeline nightly: deleted; its cursors are kept\n", deleted.Stdout);
        Assert.Equal(1, gone.ExitCode);
        Assert.Equal("no pipeline named nightly is registered\n", gone.Stderr);
    }

    [Fact]
    public async Task Through_a_servers_api_the_cli_answers_as_through_the_cluster_and_follows_a_run_like_run_does()
    {
        await StartSiloAsync();
        var server = new Dictionary<string, string> { ["RAPIDBYTE_SERVER"] = $"http://127.0.0.1:{_silo!.HttpPort}" };
        var file = Write("hourly.yaml", Yaml("hourly", "schedule: \"0 * * * *\"\n"));

        var registered = await CliProcess.RunWithAsync(server, "pipelines", "register", file);
        var watched = await CliProcess.RunWithAsync(server, "pipelines", "trigger", "hourly", "--watch", "--json");
        var answers = new List<(string Command, string Server, string Cluster)>();
        foreach (var command in new[] { new[] { "list", "--json" }, ["show", "hourly", "--json"], ["history", "hourly", "--json"], ["streams", "hourly", "--json"], ["show", "nowhere"] })
        {
            var viaServer = await CliProcess.RunWithAsync(server, ["pipelines", .. command]);
            var viaCluster = await CliProcess.RunWithAsync(Cluster, ["pipelines", .. command]);
            Assert.Equal(viaCluster.ExitCode, viaServer.ExitCode);
            answers.Add((string.Join(' ', command), viaServer.Stdout + viaServer.Stderr, viaCluster.Stdout + viaCluster.Stderr));
        }
        var reset = await CliProcess.RunWithAsync(server, "pipelines", "reset", "hourly", "items");

        Assert.True(registered.ExitCode == 0, registered.Stderr);
        Assert.True(watched.ExitCode == 0, watched.Stderr);
        // The same one object as `rapidbyte run --json`.
        var run = JsonDocument.Parse(watched.Stdout).RootElement;
        Assert.Equal(("hourly", "succeeded", 400L), (run.GetProperty("pipeline").GetString(), run.GetProperty("status").GetString(), run.GetProperty("streams")[0].GetProperty("rows_committed").GetInt64()));
        Assert.All(answers, a => Assert.Equal(a.Cluster, a.Server));
        Assert.Contains("\"cursor\":", answers.Single(a => a.Command.StartsWith("streams", StringComparison.Ordinal)).Server);
        Assert.Equal("no pipeline named nowhere is registered\n", answers[^1].Server);
        Assert.True(reset.ExitCode == 0, reset.Stderr);
        Assert.Equal("stream items: cursor forgotten; its next run reads from the start\n", reset.Stdout);
    }

    [Fact]
    public async Task Registration_of_a_literal_password_is_refused_saying_how_to_pass_it()
    {
        await StartSiloAsync();
        var file = Write("literal.yaml", _databases.PipelineYaml("literal", "- {name: items}"));

        var (exitCode, _, stderr) = await CliProcess.RunWithAsync(Cluster, "pipelines", "register", file);

        Assert.Equal(2, exitCode);
        Assert.Contains("literal.yaml: source.config.password holds a literal secret, and a registered pipeline is stored: write it as a reference such as ${RAPIDBYTE_PASSWORD}", stderr);
        Assert.DoesNotContain(_databases.Server.Password, stderr);
    }

    [Fact]
    public async Task Without_a_running_cluster_the_cli_says_which_and_where()
    {
        var file = Write("p.yaml", Yaml("p", ""));

        var (missing, _, whichCluster) = await CliProcess.RunAsync("pipelines", "register", file);
        var (down, _, noSilo) = await CliProcess.RunWithAsync(Cluster, "pipelines", "list");
        var libpq = new Dictionary<string, string> { ["RAPIDBYTE_CLUSTER"] = $"host=127.0.0.1 port={_databases.Server.Port} password={_databases.Server.Password} dbname=state" };
        var (libpqForm, _, notNpgsql) = await CliProcess.RunWithAsync(libpq, "pipelines", "list");

        Assert.Equal(1, missing);
        Assert.Equal("which service? give --server or set RAPIDBYTE_SERVER to its API's address, or give --cluster or set RAPIDBYTE_CLUSTER to the connection string of the cluster's state database\n", whichCluster);
        Assert.Equal(1, down);
        Assert.StartsWith($"cluster rapidbyte cannot be reached through its state database at 127.0.0.1:{_databases.Server.Port}, database state: ", noSilo);
        Assert.DoesNotContain(_databases.Server.Password, noSilo);
        Assert.Equal(1, libpqForm);
        Assert.StartsWith("--cluster / RAPIDBYTE_CLUSTER is not an Npgsql connection string (its host holds spaces or '='): ", notNpgsql);
        Assert.DoesNotContain(_databases.Server.Password, notNpgsql);
    }

    [Theory]
    [InlineData("bomb", "bomb.yaml:10:42 the document stands for more than 100,000 values once its aliases are expanded")]
    [InlineData("deep", "deep.yaml:3:72 the document nests mappings and lists more than 64 deep")]
    [InlineData("huge", "huge.yaml:1:1 the document is ")]
    public async Task Validate_refuses_a_hostile_document_at_once(string kind, string error)
    {
        var file = Write($"{kind}.yaml", kind switch
        {
            "bomb" => HostileDocuments.AliasBomb(),
            "deep" => HostileDocuments.DeepNesting(100_000),
            _ => HostileDocuments.Huge(50),
        });

        var (exitCode, _, stderr) = await CliProcess.RunAsync("validate", file);

        Assert.Equal(2, exitCode);
        Assert.StartsWith(error, stderr);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> UntilAsync(
        Func<Task<(int ExitCode, string Stdout, string Stderr)>> command, Func<(int ExitCode, string Stdout, string Stderr), bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var result = await command();
            if (result.ExitCode == 0 && done(result))
            {
                return result;
            }
            Assert.True(DateTime.UtcNow < deadline, $"never got there: {result.Stdout} {result.Stderr}");
            await Task.Delay(500);
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
