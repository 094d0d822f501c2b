using System.Text.Json;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Cli.Tests;

/// <summary>The rapidbyte command as a user runs it: separate processes, a real PostgreSQL, files on disk.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private PipelineDatabases _databases = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _databases = await PipelineDatabases.StartAsync();
        _directory = Directory.CreateTempSubdirectory("rapidbyte-cli-test-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _databases.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Run_json_prints_one_object_that_matches_what_the_destination_holds()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, """
            CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric(12,2), opened date);
            INSERT INTO accounts SELECT g, 'owner ' || g, g * 1.5, date '2020-01-01' + g FROM generate_series(1, 3000) g;
            CREATE TABLE notes (id int, body text);
            INSERT INTO notes SELECT g, repeat('x', g % 50) FROM generate_series(1, 500) g;
            """);
        var pipeline = Write("full.yaml", _databases.PipelineYaml("full",
            "- {name: accounts, sync_mode: full_refresh}\n- {name: notes, sync_mode: full_refresh}", "append"));

        var launched = DateTimeOffset.UtcNow;
        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("run", pipeline, "--json");
        var exited = DateTimeOffset.UtcNow;

        Assert.True(exitCode == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(["pipeline", "run_id", "status", "duration_ms", "streams"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("full", root.GetProperty("pipeline").GetString());
        // The run's id is the one its history keeps.
        var status = await CliProcess.RunAsync("status", pipeline, "--json");
        Assert.Equal(JsonDocument.Parse(status.Stdout).RootElement.GetProperty("runs")[0].GetProperty("run_id").GetString(), root.GetProperty("run_id").GetString());
        Assert.Equal("succeeded", root.GetProperty("status").GetString());
        Assert.True(root.GetProperty("duration_ms").GetInt64() > 0);
        var streams = root.GetProperty("streams").EnumerateArray().ToList();
        Assert.Equal(["accounts", "notes"], streams.Select(s => s.GetProperty("name").GetString()));
        foreach (var stream in streams)
        {
            var name = stream.GetProperty("name").GetString()!;
            Assert.Equal(["name", "status", "rows_read", "rows_written", "rows_committed", "bytes", "duration_ms", "first_batch_at", "cursor", "error"], stream.EnumerateObject().Select(p => p.Name));
            var firstBatch = stream.GetProperty("first_batch_at").GetDateTimeOffset();
            Assert.Equal(TimeSpan.Zero, firstBatch.Offset);
            Assert.InRange(firstBatch, launched, exited);
            var rows = await _databases.ScalarAsync<long>(PipelineDatabases.Destination, $"SELECT count(*) FROM {name}");
            Assert.Equal(await _databases.ScalarAsync<long>(PipelineDatabases.Source, $"SELECT count(*) FROM {name}"), rows);
            Assert.Equal(rows, stream.GetProperty("rows_written").GetInt64());
            Assert.Equal(rows, stream.GetProperty("rows_committed").GetInt64());
            Assert.Equal(rows, stream.GetProperty("rows_read").GetInt64());
            Assert.Equal("succeeded", stream.GetProperty("status").GetString());
            Assert.True(stream.GetProperty("bytes").GetInt64() > 0);
            Assert.Equal(JsonValueKind.Null, stream.GetProperty("cursor").ValueKind);
            Assert.Equal(JsonValueKind.Null, stream.GetProperty("error").ValueKind);
            Assert.Equal(0, await _databases.DifferenceAsync(name, name));
        }
    }

    [Fact]
    public async Task A_second_process_reads_only_the_new_rows_and_the_stored_cursor_is_the_sources_max()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, """
            CREATE TABLE orders (id bigint PRIMARY KEY, amount int, updated_at timestamptz NOT NULL);
            INSERT INTO orders SELECT g, g, timestamptz '2024-01-01' + g * interval '1 second' FROM generate_series(1, 2000) g;
            """);
        var pipeline = Write("incremental.yaml", _databases.PipelineYaml("incremental",
            "- {name: orders, sync_mode: incremental, cursor_field: updated_at}", "upsert", "id"));

        var first = await CliProcess.RunAsync("run", pipeline, "--json");
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            "INSERT INTO orders SELECT g, g, timestamptz '2024-01-01' + g * interval '1 second' FROM generate_series(2001, 2300) g");
        var second = await CliProcess.RunAsync("run", pipeline, "--json");
        var status = await CliProcess.RunAsync("status", pipeline, "--json");

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(2000, Stream(first.Stdout).GetProperty("rows_read").GetInt64());
        Assert.True(second.ExitCode == 0, second.Stderr);
        // The 300 new rows only: the checkpoint lists the key of the row read at its value.
        Assert.Equal(300, Stream(second.Stdout).GetProperty("rows_read").GetInt64());
        Assert.True(status.ExitCode == 0, status.Stderr);
        var stored = JsonDocument.Parse(JsonDocument.Parse(status.Stdout).RootElement.GetProperty("streams")[0].GetProperty("cursor").GetString()!);
        var sourceMax = await _databases.ScalarAsync<string>(PipelineDatabases.Source, "SELECT max(updated_at)::text FROM orders");
        Assert.Equal(sourceMax, stored.RootElement.GetProperty("cursor").GetString());
        Assert.Equal(0, await _databases.DifferenceAsync("orders", "orders"));
    }

    [Fact]
    public async Task With_state_backend_sqlite_two_runs_keep_the_cursor_in_the_file_and_nothing_in_the_destination()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            "CREATE TABLE logs (id bigint PRIMARY KEY, line text); INSERT INTO logs SELECT g, 'line ' || g FROM generate_series(1, 700) g");
        var stateFile = Path.Combine(_directory, "state", "debug_state.db");
        var pipeline = Write("sqlite.yaml", _databases.PipelineYaml("sqlite_state", "- {name: logs, sync_mode: incremental, cursor_field: id}", "append")
            .Replace("version: \"1\"", "version: \"1.0\"") + $"state:\n  backend: sqlite\n  connection: {stateFile}\n");

        var first = await CliProcess.RunAsync("run", pipeline, "--json");
        await _databases.ExecuteAsync(PipelineDatabases.Source, "INSERT INTO logs SELECT g, 'line ' || g FROM generate_series(701, 750) g");
        var second = await CliProcess.RunAsync("run", pipeline, "--json");
        var status = await CliProcess.RunAsync("status", pipeline, "--json");

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal(700, JsonDocument.Parse(first.Stdout).RootElement.GetProperty("streams")[0].GetProperty("rows_committed").GetInt64());
        Assert.Equal(50, JsonDocument.Parse(second.Stdout).RootElement.GetProperty("streams")[0].GetProperty("rows_committed").GetInt64());
        Assert.Equal(0, await _databases.DifferenceAsync("logs", "logs"));
        var cursor = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("streams")[0].GetProperty("cursor").GetString()!;
        Assert.Equal("750", JsonDocument.Parse(cursor).RootElement.GetProperty("cursor").GetString());
        Assert.True(new FileInfo(stateFile).Length > 0);
        // The state is in the file, none in the destination database.
        Assert.Equal(0L, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM pg_namespace WHERE nspname = 'rapidbyte_state'"));
    }

    [Fact]
    public async Task A_pipeline_path_that_is_missing_or_a_directory_is_said_so_and_nothing_runs()
    {
        var missing = Path.Combine(_directory, "nowhere.yaml");

        var (missingExit, _, missingErr) = await CliProcess.RunAsync("run", missing);
        var (directoryExit, _, directoryErr) = await CliProcess.RunAsync("validate", _directory);

        Assert.Equal((2, 2), (missingExit, directoryExit));
        Assert.Equal($"{missing}: no such file", missingErr.Trim());
        Assert.Equal($"{_directory}: a directory, not a pipeline file (YAML)", directoryErr.Trim());
    }

    [Fact]
    public async Task The_post_mortem_pipeline_file_validates_verbatim()
    {
        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("validate", Write("debug_pipeline.yaml", SeedFiles.PostMortemPipeline));

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("valid. Pipeline debug_async: source-postgres -> dest-postgres (append)", stdout);
    }

    [Fact]
    public async Task A_wrong_password_fails_the_run_with_the_servers_message()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, "CREATE TABLE t (id int)");
        var pipeline = Write("wrong.yaml", _databases.PipelineYaml("wrong", "- {name: t, sync_mode: full_refresh}", password: "not-the-password"));

        var (exitCode, stdout, _) = await CliProcess.RunAsync("run", pipeline, "--json");

        Assert.Equal(1, exitCode);
        var stream = Stream(stdout);
        Assert.Equal("failed", stream.GetProperty("status").GetString());
        Assert.Contains("password authentication failed for user \"postgres\"", stream.GetProperty("error").GetString());
        Assert.DoesNotContain("not-the-password", stdout);
    }

    [Fact]
    public async Task An_unreachable_state_database_is_named_and_nothing_runs()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, "CREATE TABLE untouched (id int); INSERT INTO untouched VALUES (1)");
        var closedPort = Testing.Servers.LoopbackPorts.Unused();
        var pipeline = Write("nostate.yaml", _databases.PipelineYaml("nostate", "- {name: untouched, sync_mode: full_refresh}") +
            $"\nstate: {{connection: \"Host=127.0.0.1;Port={closedPort};Username=postgres;Password=x;Database=state\"}}\n");

        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("run", pipeline, "--json");

        Assert.Equal(1, exitCode);
        Assert.Empty(stdout);
        // Said once, in one line: not again in the logs of Orleans' failed start, stack traces and all.
        var said = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"the state database at 127.0.0.1:{closedPort}, database state, user postgres", said);
        Assert.Contains("cannot be used: Failed to connect to 127.0.0.1:" + closedPort, said);
        Assert.Equal(0L, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM pg_class WHERE relname = 'untouched'"));

        // The silo starts while the connector configs are checked; a config that fails its
        // check is what is said, and nothing of the start it cut short.
        var misspelt = Write("nostate-misspelt.yaml", File.ReadAllText(pipeline).Replace("schema: public}", "schema: public, colour: red}", StringComparison.Ordinal));
        var refused = await CliProcess.RunAsync("run", misspelt, "--json");
        Assert.Equal(2, refused.ExitCode);
        Assert.Empty(refused.Stdout);
        var lines = refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines[..2], line => Assert.Contains("config.colour: unknown key 'colour'", line));
        Assert.Equal($"{misspelt}: 2 problems, nothing was run", lines[2]);
    }

    [Fact]
    public async Task A_state_connection_in_libpq_form_is_refused_without_its_password()
    {
        var pipeline = Write("libpq.yaml", _databases.PipelineYaml("libpq", "- {name: t, sync_mode: full_refresh}") +
            "\nstate: {connection: \"host=127.0.0.1 port=5432 user=postgres password=never-shown-anywhere dbname=state\"}\n");

        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("run", pipeline, "--json");

        Assert.Equal(1, exitCode);
        Assert.Empty(stdout);
        var said = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("state.connection is not an Npgsql connection string", said);
        Assert.Contains("Key=Value pairs separated by ';'", said);
        Assert.DoesNotContain("never-shown-anywhere", stderr);
    }

    [Fact]
    public async Task Check_prints_one_line_per_check_and_fails_if_one_fails()
    {
        var pipeline = Write("check.yaml", _databases.PipelineYaml("check", "- {name: t, sync_mode: full_refresh}", password: "not-the-password"));

        var (exitCode, stdout, _) = await CliProcess.RunAsync("check", pipeline);

        Assert.Equal(1, exitCode);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("ok    spec", lines[0]);
        Assert.StartsWith("FAIL  source      source-postgres:", lines[1]);
        Assert.Contains("password authentication failed", lines[1]);
        Assert.StartsWith("ok    destination dest-postgres:", lines[2]);
        Assert.StartsWith("ok    state", lines[3]);
    }

    [Fact]
    public async Task Discover_json_lists_the_source_tables_with_their_columns()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, "CREATE TABLE products (sku text PRIMARY KEY, price numeric(8,2) NOT NULL, tags text[])");
        var pipeline = Write("discover.yaml", _databases.PipelineYaml("discover", "- {name: products, sync_mode: full_refresh}"));

        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("discover", pipeline, "--json");

        Assert.True(exitCode == 0, stderr);
        var products = JsonDocument.Parse(stdout).RootElement.GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "products");
        Assert.Equal(["sku"], products.GetProperty("primary_key").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(["sku", "price", "tags"], products.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal("numeric(8,2)", products.GetProperty("columns")[1].GetProperty("native_type").GetString());
        // Each column's lane to a PostgreSQL destination.
        Assert.Equal("postgresql-binary", products.GetProperty("columns")[1].GetProperty("native_encoding").GetString());

        var (plainExit, plain, plainErrors) = await CliProcess.RunAsync("discover", pipeline);
        Assert.True(plainExit == 0, plainErrors);
        Assert.Matches(@"price\s+numeric\(8,2\) not null\s+-> decimal128\(8,2\) \| postgresql-binary", plain);
    }

    [Fact]
    public async Task Validate_lists_every_problem_with_its_position_and_connects_to_nothing()
    {
        var pipeline = Write("bad.yaml", """
            version: "1"
            pipeline: bad
            source:
              use: source-postgres
              config: {host: 127.0.0.1, password: "${RAPIDBYTE_TEST_UNSET_VARIABLE}"}
              streams:
                - {name: t, sync_mode: sometimes}
            destination:
              use: dest-postgres
              config: {}
              write_mode: upsrt
            """);

        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("validate", pipeline);

        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("bad.yaml:5:39 source.config.password: environment variable RAPIDBYTE_TEST_UNSET_VARIABLE is not set", stderr);
        Assert.Contains("bad.yaml:7:28 source.streams[0].sync_mode: 'sometimes' is not one of full_refresh, incremental", stderr);
        Assert.Contains("bad.yaml:11:15 destination.write_mode: 'upsrt' is not one of append, replace, upsert", stderr);
        Assert.Contains("bad.yaml: 3 problems, nothing was run", stderr);
    }

    [Fact]
    public async Task A_connector_config_its_connector_does_not_take_is_refused_at_each_problems_position_by_every_command_before_anything_runs()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
        const string value = "rows-from-a-variable-never-shown";
        var environment = new Dictionary<string, string> { ["RAPIDBYTE_TEST_COMMIT_ROWS"] = value };
        var pipeline = Write("refused.yaml", $$"""
            version: "1"
            pipeline: refused
            source:
              use: source-postgres
              config:
                host: {{_databases.Server.Host}}
                port: {{_databases.Server.Port}}
                user: postgres
                password: "{{_databases.Server.Password}}"
                database: source
                sslmod: require
                hots: {{_databases.Server.Host}}
                strict_types: "yes"
              streams:
                - {name: t, sync_mode: full_refresh}
            destination:
              use: dest-postgres
              config:
                host: {{_databases.Server.Host}}
                port: {{_databases.Server.Port}}
                user: postgres
                password: "{{_databases.Server.Password}}"
                commit_rows: ${RAPIDBYTE_TEST_COMMIT_ROWS}
              write_mode: append
            """);

        var validate = await CliProcess.RunWithAsync(environment, "validate", pipeline);
        var check = await CliProcess.RunWithAsync(environment, "check", pipeline);
        var discover = await CliProcess.RunWithAsync(environment, "discover", pipeline);
        var run = await CliProcess.RunWithAsync(environment, "run", pipeline, "--embedded");

        Assert.Equal(2, validate.ExitCode);
        Assert.Empty(validate.Stdout);
        var lines = validate.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        // Unknown keys at the key, with what the connector takes (and a near miss named).
        // (What it accepts grows as the connector does: the TLS settings come.)
        Assert.StartsWith("refused.yaml:11:5 source.config.sslmod: unknown key 'sslmod' (source-postgres accepts: database, host, native_lane, password, port, schema, ", lines[0]);
        Assert.Contains("strict_types, user)", lines[0]);
        Assert.StartsWith("refused.yaml:12:5 source.config.hots: unknown key 'hots' (source-postgres accepts: ", lines[1]);
        Assert.EndsWith("; did you mean 'host'?", lines[1]);
        // A wrong type at the value; a missing key at the config it is missing from.
        Assert.Equal("refused.yaml:13:19 source.config.strict_types: 'strict_types' must be true or false, not a string", lines[2]);
        Assert.Equal("refused.yaml:18:3 destination.config: missing required key 'database' (dest-postgres requires: host, user, database)", lines[3]);
        // A value from a variable is checked once substituted, and named, never shown.
        Assert.Equal("refused.yaml:23:18 destination.config.commit_rows: 'commit_rows' must be an integer, not a string (a value from a ${NAME} reference is always a string)", lines[4]);
        Assert.Equal($"{pipeline}: 5 problems, nothing was run", lines[5]);
        foreach (var refused in new[] { check, discover, run })
        {
            Assert.Equal(2, refused.ExitCode);
            Assert.Equal(validate.Stderr, refused.Stderr);
            Assert.Empty(refused.Stdout);
        }
        Assert.DoesNotContain(value, validate.Stderr + check.Stderr + discover.Stderr + run.Stderr);
        Assert.Equal(0L, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM pg_class WHERE relname = 't'"));
    }

    [Fact]
    public async Task Every_example_pipeline_validates()
    {
        var examples = Directory.GetFiles(Path.Combine(Testing.RepositoryPaths.Root, "examples"), "*.yaml");
        Assert.NotEmpty(examples);
        foreach (var example in examples)
        {
            var (exitCode, stdout, stderr) = await CliProcess.RunWithAsync(new Dictionary<string, string> { ["RAPIDBYTE_DEMO_PASSWORD"] = "demo" }, "validate", example);

            Assert.True(exitCode == 0, $"{example}: {stderr}");
            Assert.Contains(": valid. Pipeline ", stdout);
        }
    }

    [Fact]
    public async Task Ctrl_c_cancels_the_run_and_no_cursor_passes_the_committed_rows()
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, PipelineDatabases.SlowEventsSql + "CREATE VIEW slow AS SELECT * FROM events WHERE pace(id);");
        var pipeline = Write("slow.yaml", _databases.PipelineYaml("slow", "- {name: slow, sync_mode: incremental, cursor_field: id}", "append",
            destinationExtra: ", commit_rows: 1000", resources: "batch_rows: 500"));

        using var run = CliProcess.Start("run", pipeline);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await CommittedRowsAsync() < 2000)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no rows were committed; stderr: {run.Stderr}");
            await Task.Delay(20);
        }
        await run.InterruptAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(60));
        var status = await CliProcess.RunAsync("status", pipeline, "--json");

        Assert.Equal(130, exitCode);
        Assert.Contains("pipeline slow: cancelled", run.Stdout);
        var stored = JsonDocument.Parse(JsonDocument.Parse(status.Stdout).RootElement.GetProperty("streams")[0].GetProperty("cursor").GetString()!);
        var cursor = long.Parse(stored.RootElement.GetProperty("cursor").GetString()!);
        Assert.InRange(cursor, 2000, 19_999);
        // Append, no key: exactly the committed rows are there, each once, and the cursor is their last.
        Assert.Equal(cursor, await CommittedRowsAsync());
        Assert.Equal(cursor, await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT max(id) FROM slow"));
    }

    [Fact]
    public async Task A_second_process_running_the_same_pipeline_is_refused_naming_the_run_that_holds_it()
    {
        var pipeline = await SlowUpsertPipelineAsync("slow");
        // ~20 s for the table: the first run is surely still going when the second process
        // has started (a run of ~3 s could end first on a busy machine, and then the second
        // rightly runs).
        await _databases.ExecuteAsync(PipelineDatabases.Source,
            "CREATE OR REPLACE FUNCTION pace(id bigint) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN IF id % 500 = 0 THEN PERFORM pg_sleep(0.5); END IF; RETURN true; END $$");
        using var first = CliProcess.Start("run", pipeline);
        await WhenCommittedAsync(first, 1000);

        var (exitCode, stdout, stderr) = await CliProcess.RunAsync("run", pipeline, "--json");
        var firstExit = await first.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        var runId = System.Text.RegularExpressions.Regex.Match(first.Stdout, @"\(run ([0-9a-f]{12})\)").Groups[1].Value;
        Assert.Contains($"pipeline slow is already running (run {runId}, on S127.0.0.1:", stderr);
        Assert.Equal(0, firstExit);
        Assert.Equal(0, await _databases.DifferenceAsync("events", "slow"));
    }

    [Fact]
    public async Task A_run_whose_process_was_killed_is_taken_up_by_the_next_run_of_the_pipeline()
    {
        // The password as a reference: only then may the run's pipeline be stored, to be taken up.
        var environment = new Dictionary<string, string> { ["RAPIDBYTE_TEST_PASSWORD"] = _databases.Server.Password };
        var pipeline = await SlowUpsertPipelineAsync("slow", "${RAPIDBYTE_TEST_PASSWORD}");
        using (var killed = CliProcess.StartWith(environment, "run", pipeline))
        {
            await WhenCommittedAsync(killed, 1000);
            await killed.KillAsync();
        }
        // Until its lease runs out (20 s), the killed process might only be paused: the pipeline stays its.
        var refused = await CliProcess.RunWithAsync(environment, "run", pipeline);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("pipeline slow is already running (run ", refused.Stderr);
        await Task.Delay(TimeSpan.FromSeconds(21));

        var (exitCode, stdout, stderr) = await CliProcess.RunWithAsync(environment, "run", pipeline);
        var status = await CliProcess.RunWithAsync(environment, "status", pipeline, "--json");

        Assert.True(exitCode == 0, stderr);
        var taken = System.Text.RegularExpressions.Regex.Match(stderr, @"run ([0-9a-f]{12}) was interrupted before it finished; taking it up again first");
        Assert.True(taken.Success, stderr);
        Assert.True(stderr.Contains($"run {taken.Groups[1].Value} succeeded; now this run", StringComparison.Ordinal), stderr);
        Assert.Contains("pipeline slow: succeeded", stdout);
        Assert.Equal(0, await _databases.DifferenceAsync("events", "slow"));
        // Both runs are in the history: this one, then the one taken up.
        var runs = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("run_id").GetString()).ToList();
        Assert.Equal(taken.Groups[1].Value, runs[1]);
    }

    [Fact]
    public async Task A_run_with_a_literal_password_is_not_stored_so_it_cannot_be_taken_up_and_says_why()
    {
        var pipeline = await SlowUpsertPipelineAsync("slow");
        using (var killed = CliProcess.Start("run", pipeline))
        {
            await WhenCommittedAsync(killed, 1000);
            await killed.KillAsync();
        }
        await Task.Delay(TimeSpan.FromSeconds(21));

        var (exitCode, _, stderr) = await CliProcess.RunAsync("run", pipeline);

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("failed (the stream could not be taken up again: its pipeline holds literal secrets (source.config.password, destination.config.password), which are never stored", stderr);
        Assert.Equal(0, await _databases.DifferenceAsync("events", "slow"));
        // The password reached no state table.
        var state = await _databases.ScalarAsync<long>(PipelineDatabases.Destination,
            $"SELECT count(*) FROM rapidbyte_state.grain_state WHERE position(convert_to('{_databases.Server.Password}', 'UTF8') in payload) > 0");
        Assert.Equal(0L, state);
    }

    private async Task<string> SlowUpsertPipelineAsync(string name, string? password = null)
    {
        await _databases.ExecuteAsync(PipelineDatabases.Source, PipelineDatabases.SlowEventsSql + $"CREATE VIEW {name} AS SELECT * FROM events WHERE pace(id);");
        var yaml = _databases.PipelineYaml(name, $"- {{name: {name}, sync_mode: incremental, cursor_field: id}}", "upsert", "id",
            destinationExtra: ", commit_rows: 1000", resources: "batch_rows: 500");
        return Write($"{name}.yaml", password is null ? yaml : yaml.Replace(_databases.Server.Password, password, StringComparison.Ordinal));
    }

    private async Task WhenCommittedAsync(CliProcess run, long rows)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await CommittedRowsAsync() < rows)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no rows were committed; stderr: {run.Stderr}");
            await Task.Delay(20);
        }
    }

    private async Task<long> CommittedRowsAsync() =>
        await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM pg_class WHERE relname = 'slow'") == 0
            ? 0
            : await _databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM slow");

    private static JsonElement Stream(string stdout) => JsonDocument.Parse(stdout).RootElement.GetProperty("streams")[0].Clone();

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, yaml);
        return path;
    }
}
