using System.Text;
using Npgsql;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Grains.Tests;

/// <summary>
/// Pipelines registered in the cluster, on a real silo against a real PostgreSQL: stored as
/// written, versioned, listed, paused, deleted; run with the silo's own variables; never a
/// secret in what is stored or logged.
/// </summary>
public sealed class RegistrationTests : IAsyncLifetime
{
    // A role of its own for the pipelines, so its password is a value only a pipeline knows
    // (the silo's state connection uses the server's).
    private const string PipelineUser = "pipeline_user";
    private readonly string _secret = "pw-" + Guid.NewGuid().ToString("N");
    // Variables are per process; each test class names its own.
    private readonly string _variable = "RAPIDBYTE_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant() + "_PASSWORD";
    private PipelineDatabases _databases = null!;

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        await _databases.ExecuteAsync("postgres", $"CREATE ROLE {PipelineUser} LOGIN SUPERUSER PASSWORD '{_secret}'");
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            "CREATE TABLE items (id bigint PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g");
        Environment.SetEnvironmentVariable(_variable, _secret);
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        await _databases.DisposeAsync();
    }

    private string StateConnection => _databases.Server.ConnectionString(PipelineDatabases.Destination);

    /// <summary>A pipeline with no literal secret: both passwords are <c>${variable}</c> references.</summary>
    private string Yaml(string name, string writeMode = "append", string extra = "", string? variable = null) =>
        _databases.PipelineYaml(name, "- {name: items, sync_mode: incremental, cursor_field: id}", writeMode, writeMode == "upsert" ? "id" : null)
            .Replace($"user: {Testing.Postgres.PostgresServer.User}", $"user: {PipelineUser}")
            .Replace($"password: \"{_databases.Server.Password}\"", $"password: \"${{{variable ?? _variable}}}\"")
        + extra;

    [Fact]
    public async Task A_pipeline_whose_state_another_process_wrote_since_is_paused_triggered_and_registered_on_what_is_stored()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("shared");
        var yaml = Yaml("shared", extra: "schedule: \"0 2 * * *\"\n");
        await grain.RegisterAsync(yaml, "shared.yaml");

        // Another process (a CLI's run of the same pipeline, say) writes its state: this activation's copy is stale.
        await BumpStoredVersionAsync("shared");
        var paused = await grain.PauseAsync();
        await BumpStoredVersionAsync("shared");
        var run = await grain.TriggerAsync(null);
        await Eventually.WhenAsync(async () => await grain.GetActiveRunAsync() is null);
        await BumpStoredVersionAsync("shared");
        var changed = await grain.RegisterAsync(yaml.Replace("0 2 * * *", "0 3 * * *"), "shared.yaml");

        Assert.True(paused.Paused);
        Assert.Equal(RunStatus.Succeeded, (await grain.GetRunAsync(run.RunId))!.Status);
        Assert.Equal(2, changed.Version);
        Assert.Equal("0 3 * * *", changed.Schedule);
    }

    private async Task BumpStoredVersionAsync(string pipeline)
    {
        await using var connection = new NpgsqlConnection(StateConnection);
        await connection.OpenAsync();
        await using var bump = new NpgsqlCommand(
            "UPDATE rapidbyte_state.grain_state SET version = version + 1 WHERE grain_type = 'pipeline' AND grain_id_extension = @pipeline", connection);
        bump.Parameters.AddWithValue("pipeline", pipeline);
        Assert.Equal(1, await bump.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task A_registered_pipeline_is_stored_as_written_versioned_listed_paused_and_read_back()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("registered");
        var yaml = Yaml("registered", extra: "schedule: {cron: \"0 2 * * *\", timezone: Europe/Berlin}\n");

        var first = await grain.RegisterAsync(yaml, "registered.yaml");
        var again = await grain.RegisterAsync(yaml, "registered.yaml");
        var changed = await grain.RegisterAsync(yaml.Replace("0 2 * * *", "30 3 * * *"), "registered.yaml");
        var listed = await RegisteredPipelines.ListAsync(silo.Grains);
        var paused = await grain.PauseAsync();
        var resumed = await grain.ResumeAsync();

        Assert.Equal(1, first.Version);
        Assert.Equal(yaml, first.Yaml); // as written: the reference unresolved
        // Its connectors pinned to the modules they name now, by digest.
        Assert.Equal(["source-postgres", "dest-postgres"], first.Connectors!.Select(c => c.Name));
        Assert.All(first.Connectors!, c => Assert.Equal(Testing.Pipelines.ModuleVariants.Digest(File.ReadAllBytes(Testing.RepositoryPaths.Connector(c.Name))), c.Digest));
        Assert.Contains($"${{{_variable}}}", first.Yaml);
        Assert.Equal(1, again.Version);
        Assert.Equal(2, changed.Version);
        Assert.Equal(first.RegisteredAt, changed.RegisteredAt);
        Assert.Equal("30 3 * * * (Europe/Berlin)", changed.Schedule);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var next = TimeZoneInfo.ConvertTime(changed.NextOccurrence!.Value, berlin);
        Assert.Equal((3, 30, 0), (next.Hour, next.Minute, next.Second));
        Assert.InRange(changed.NextOccurrence.Value, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(["registered"], listed.Select(r => r.Name));
        Assert.True(paused.Paused);
        Assert.Null(paused.NextOccurrence);
        Assert.False(resumed.Paused);
        Assert.Equal(changed.NextOccurrence, resumed.NextOccurrence);
    }

    [Fact]
    public async Task A_manual_run_of_a_registered_pipeline_resolves_its_variables_on_the_silo_and_shares_the_no_overlap_rule()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("manual");
        await grain.RegisterAsync(Yaml("manual", "upsert"), "manual.yaml");

        var started = await grain.TriggerAsync(null);
        var busy = await Assert.ThrowsAsync<PipelineBusyException>(() => grain.TriggerAsync(null));
        var finished = await silo.FinishAsync(started);

        Assert.Equal(started.RunId, busy.RunId);
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal((RunTrigger.Manual, 1L), (finished.Trigger, finished.Version));
        Assert.Equal(300, finished.Streams.Single().RowsWritten);
        Assert.Equal(0, await _databases.DifferenceAsync("items", "items"));
        Assert.Equal(finished.RunId, (await grain.GetRegistrationAsync())!.LastOutcome!.RunId);
    }

    [Fact]
    public async Task A_run_whose_variable_is_not_set_on_the_silo_fails_naming_it()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("unset");
        await grain.RegisterAsync(Yaml("unset", variable: "RAPIDBYTE_NOT_SET_ANYWHERE"), "unset.yaml");

        var run = await grain.TriggerAsync(null);
        var history = await grain.GetHistoryAsync();

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("unset.yaml:5:73 source.config.password: environment variable RAPIDBYTE_NOT_SET_ANYWHERE is not set", run.Error);
        Assert.StartsWith("the run could not start on silo ", run.Error);
        Assert.Equal(run.RunId, Assert.Single(history).RunId);
    }

    [Fact]
    public async Task Registration_refuses_literal_secrets_foreign_variables_and_hostile_documents_saying_what_to_do()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("refused");

        var literal = await Assert.ThrowsAsync<PipelineRejectedException>(() =>
            grain.RegisterAsync(Yaml("refused").Replace($"${{{_variable}}}", _secret), "refused.yaml"));
        var foreign = await Assert.ThrowsAsync<PipelineRejectedException>(() =>
            grain.RegisterAsync(Yaml("refused", variable: "HOME"), "refused.yaml"));
        var connectionString = await Assert.ThrowsAsync<PipelineRejectedException>(() =>
            grain.RegisterAsync(Yaml("refused") + $"state: {{connection: \"Host=h;Password={_secret}\"}}\n", "refused.yaml"));
        var other = await Assert.ThrowsAsync<PipelineRejectedException>(() => grain.RegisterAsync(Yaml("another"), "another.yaml"));
        var bomb = await Assert.ThrowsAsync<PipelineRejectedException>(() =>
            grain.RegisterAsync(HostileDocuments.AliasBomb().Replace("pipeline: p", "pipeline: refused"), "bomb.yaml"));
        var deep = await Assert.ThrowsAsync<PipelineRejectedException>(() => grain.RegisterAsync(HostileDocuments.DeepNesting(100_000), "deep.yaml"));
        var huge = await Assert.ThrowsAsync<PipelineRejectedException>(() => grain.RegisterAsync(HostileDocuments.Huge(50), "huge.yaml"));
        var unknown = await Assert.ThrowsAsync<PipelineRejectedException>(() =>
            grain.RegisterAsync(Yaml("refused").Replace("use: dest-postgres", "use: dest-postgres@9.9.9"), "refused.yaml"));

        Assert.Equal(
        [
            $"refused.yaml: source.config.password holds a literal secret, and a registered pipeline is stored: write it as a reference such as ${{RAPIDBYTE_PASSWORD}} and set that variable on the silos (on Azure Container Apps, a secret, which may reference Key Vault)",
            $"refused.yaml: destination.config.password holds a literal secret, and a registered pipeline is stored: write it as a reference such as ${{RAPIDBYTE_PASSWORD}} and set that variable on the silos (on Azure Container Apps, a secret, which may reference Key Vault)",
        ], literal.Problems);
        Assert.Equal(2, foreign.Problems.Count);
        Assert.All(foreign.Problems, p => Assert.Contains("${HOME}: a registered pipeline may read only the silos' variables whose names start with RAPIDBYTE_; set RAPIDBYTE_HOME on the silos and refer to that", p));
        Assert.True(foreign.Problems[0].StartsWith("refused.yaml:5:74 ", StringComparison.Ordinal), foreign.Problems[0]);
        Assert.Contains(connectionString.Problems, p => p.StartsWith("refused.yaml: state.connection holds a literal secret", StringComparison.Ordinal));
        Assert.Equal(["another.yaml: the YAML is of pipeline another, not refused"], other.Problems);
        Assert.Contains("values once its aliases are expanded", Assert.Single(bomb.Problems));
        Assert.Contains("nests mappings and lists more than 64 deep", Assert.Single(deep.Problems));
        Assert.Contains("characters long; a pipeline may be at most 1,048,576", Assert.Single(huge.Problems));
        // A connector version nobody has: refused at registration, not at the first run.
        Assert.StartsWith("refused.yaml: destination.use: connector 'dest-postgres@9.9.9' was not found in ", Assert.Single(unknown.Problems));
        Assert.Contains("(dest-postgres has version ", unknown.Problems[0]);
        foreach (var problem in new[] { literal, foreign, connectionString, other, bomb, deep, huge, unknown }.SelectMany(e => e.Problems))
        {
            Assert.DoesNotContain(_secret, problem);
        }
        Assert.Null(await grain.GetRegistrationAsync());
        Assert.Empty(await RegisteredPipelines.ListAsync(silo.Grains));
    }

    [Fact]
    public async Task Registration_and_a_run_refuse_a_config_key_its_connector_does_not_take_with_the_same_message()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("misspelt");
        var yaml = Yaml("misspelt");
        var at = yaml.IndexOf("schema: public}", StringComparison.Ordinal) + "schema: public".Length;
        yaml = yaml[..at] + ", sslmod: require" + yaml[at..]; // the source's config only
        var line = yaml[..at].Count(c => c == '\n') + 1;
        var column = at + ", ".Length - yaml.LastIndexOf('\n', at); // 1-based, after ", "

        var registered = await Assert.ThrowsAsync<PipelineRejectedException>(() => grain.RegisterAsync(yaml, "misspelt.yaml"));
        var run = await Assert.ThrowsAsync<PipelineRejectedException>(() =>
            grain.StartRunAsync(new PipelineDefinition(yaml, "misspelt.yaml", new Dictionary<string, string> { [_variable] = _secret }), null));

        var problem = Assert.Single(registered.Problems);
        Assert.StartsWith($"misspelt.yaml:{line}:{column} source.config.sslmod: unknown key 'sslmod' (source-postgres accepts: database, host, native_lane, password, port, schema, ", problem);
        Assert.Contains("strict_types, user)", problem);
        Assert.Equal(registered.Problems, run.Problems);
        Assert.StartsWith("pipeline misspelt was not run:", run.Message);
        Assert.Null(await grain.GetRegistrationAsync());
        Assert.Empty(await grain.GetHistoryAsync());
    }

    [Fact]
    public async Task A_referenced_value_is_checked_when_a_run_resolves_it_and_the_failure_names_the_key_not_the_value()
    {
        var rows = "RAPIDBYTE_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant() + "_ROWS";
        var value = "rows-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(rows, value);
        try
        {
            await using var silo = await PipelineSilo.StartAsync(StateConnection);
            var grain = silo.Grains.GetGrain<IPipelineGrain>("typed");
            var yaml = Yaml("typed").Replace("schema: public}\n  write_mode", $"schema: public, commit_rows: \"${{{rows}}}\"}}\n  write_mode", StringComparison.Ordinal);
            Assert.Contains(rows, yaml);

            // Registered: its value is unknown until a run reads it on a silo.
            await grain.RegisterAsync(yaml, "typed.yaml");
            var run = await grain.TriggerAsync(null);

            Assert.Equal(RunStatus.Failed, run.Status);
            Assert.StartsWith("the run could not start on silo ", run.Error);
            Assert.Contains("typed.yaml:10:", run.Error);
            Assert.EndsWith("destination.config.commit_rows: 'commit_rows' must be an integer, not a string (a value from a ${NAME} reference is always a string)", run.Error);
            Assert.DoesNotContain(value, run.Error);
            Assert.Equal(0L, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM pg_class WHERE relname = 'items'"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(rows, null);
        }
    }

    [Fact]
    public async Task Deleting_keeps_or_clears_the_cursors_as_the_caller_chooses()
    {
        await using var silo = await PipelineSilo.StartAsync(StateConnection);
        var grain = silo.Grains.GetGrain<IPipelineGrain>("deleted");
        var yaml = Yaml("deleted"); // incremental append: commit markers in the destination

        await grain.RegisterAsync(yaml, "deleted.yaml");
        var first = await silo.FinishAsync(await grain.TriggerAsync(null));
        await grain.DeleteAsync(clearState: false);
        var gone = await grain.GetRegistrationAsync();
        await grain.RegisterAsync(yaml, "deleted.yaml");
        await _databases.ExecuteAsync(PipelineDatabases.Source, "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(301, 350) g");
        var kept = await silo.FinishAsync(await grain.TriggerAsync(null));
        await grain.DeleteAsync(clearState: true);
        await grain.RegisterAsync(yaml, "deleted.yaml");
        var cleared = await silo.FinishAsync(await grain.TriggerAsync(null));

        Assert.Null(gone);
        Assert.Equal(300, first.Streams.Single().RowsWritten);
        // Kept: the cursor goes on, only the new rows are read.
        Assert.Equal(50, kept.Streams.Single().RowsWritten);
        // Cleared: read from the start again, the destination's commit marker from before not read back.
        Assert.Equal(350, cleared.Streams.Single().RowsWritten);
        Assert.Equal(700, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM items"));
        Assert.Equal([cleared.RunId], (await grain.GetHistoryAsync()).Select(r => r.RunId));
    }

    [Fact]
    public async Task No_secret_value_reaches_the_state_tables_or_the_logs()
    {
        var logs = new CapturedLogs();
        await using (var silo = await PipelineSilo.StartAsync(StateConnection, logs: logs))
        {
            var grain = silo.Grains.GetGrain<IPipelineGrain>("secretive");
            await grain.RegisterAsync(Yaml("secretive", "upsert", extra: "schedule: \"*/2 * * * * *\"\n"), "secretive.yaml");
            var manual = await silo.FinishAsync(await TriggerWhenFreeAsync(grain));
            Assert.Equal(RunStatus.Succeeded, manual.Status);
            // And a scheduled one, and a failure that reports the connector's error.
            await Eventually.WhenAsync(async () => (await grain.GetHistoryAsync()).Any(r => r.Trigger == RunTrigger.Schedule && r.Status.IsFinished()));
            await _databases.ExecuteAsync("postgres", $"ALTER ROLE {PipelineUser} PASSWORD 'changed'");
            await grain.PauseAsync();
            var failed = await silo.FinishAsync(await TriggerWhenFreeAsync(grain));
            Assert.Equal(RunStatus.Failed, failed.Status);
            Assert.Contains("password authentication failed", failed.Streams.Single().Error);
        }

        var secret = Encoding.UTF8.GetBytes(_secret);
        var stored = await StateBytesAsync();
        Assert.True(stored.Length > 10_000, $"only {stored.Length} bytes of state were searched");
        Assert.Equal(-1, stored.AsSpan().IndexOf(secret));
        Assert.True(logs.Lines.Count > 50, $"only {logs.Lines.Count} log lines were searched");
        Assert.DoesNotContain(logs.Lines, line => line.Contains(_secret, StringComparison.Ordinal));
    }

    // Every byte of every row of every table in the state schema, and the destination's commit markers.
    private async Task<byte[]> StateBytesAsync()
    {
        await using var connection = new NpgsqlConnection(StateConnection);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_schema IN ('rapidbyte_state', 'public')", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var bytes = new MemoryStream();
        foreach (var table in tables)
        {
            // Each row as its binary COPY, so bytea payloads are searched as they are stored.
            await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY {table} TO STDOUT (FORMAT binary)");
            await copy.CopyToAsync(bytes);
        }
        return bytes.ToArray();
    }

    // The schedule may be running the pipeline at this moment: a trigger is then refused as
    // busy (as it should be); try again once that run has ended.
    private static async Task<PipelineRunReport> TriggerWhenFreeAsync(IPipelineGrain grain)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return await grain.TriggerAsync(null);
            }
            catch (PipelineBusyException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
