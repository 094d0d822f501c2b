using System.Text.Json;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Cli.Tests;

/// <summary><c>rapidbyte connector push|list|pull</c> against a Blob registry (Azurite), as a user runs them.</summary>
public sealed class ConnectorCommandTests : IAsyncLifetime
{
    private AzuriteServer _azurite = null!;
    private readonly string _directory = Directory.CreateTempSubdirectory("rapidbyte-connector-cli-").FullName;

    private Dictionary<string, string> Registry => new() { ["RAPIDBYTE_CONNECTOR_REGISTRY"] = _azurite.ConnectionString };

    public async Task InitializeAsync() => _azurite = await AzuriteServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _azurite.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Push_list_and_pull_a_connector_named_by_its_own_spec_and_checked_by_its_digest()
    {
        var module = RepositoryPaths.Connector("test-connector");
        var digest = ModuleVariants.Digest(await File.ReadAllBytesAsync(module));

        var pushed = await CliProcess.RunWithAsync(Registry, "connector", "push", module);
        var again = await CliProcess.RunWithAsync(Registry, "connector", "push", module, "--json");
        var listed = await CliProcess.RunWithAsync(Registry, "connector", "list", "--json");
        var pulled = Path.Combine(_directory, "pulled.wasm");
        var pull = await CliProcess.RunWithAsync(Registry, "connector", "pull", $"test-connector@sha256:{digest}", "-o", pulled);

        Assert.True(pushed.ExitCode == 0, pushed.Stderr);
        Assert.Contains($"as test-connector@sha256:{digest}", pushed.Stdout);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(digest, JsonDocument.Parse(again.Stdout).RootElement.GetProperty("digest").GetString());
        var entry = Assert.Single(JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray());
        Assert.Equal(("test-connector", digest), (entry.GetProperty("name").GetString(), entry.GetProperty("digest").GetString()));
        Assert.True(pull.ExitCode == 0, pull.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(module), await File.ReadAllBytesAsync(pulled));
    }

    [Fact]
    public async Task What_is_not_a_connector_is_refused_and_a_missing_registry_or_version_is_said()
    {
        var junk = Path.Combine(_directory, "junk.wasm");
        await File.WriteAllBytesAsync(junk, [0, 97, 115, 109, 1, 0, 0, 0]); // an empty module: no exports

        var notConnector = await CliProcess.RunWithAsync(Registry, "connector", "push", junk);
        var noRegistry = await CliProcess.RunAsync("connector", "list");
        var noVersion = await CliProcess.RunWithAsync(Registry, "connector", "pull", "test-connector@9.9.9");
        var badReference = await CliProcess.RunWithAsync(Registry, "connector", "pull", "test-connector@sha256:beef");

        Assert.Equal(2, notConnector.ExitCode);
        Assert.Contains("junk.wasm is not a connector this service can run", notConnector.Stderr);
        Assert.Equal(2, noRegistry.ExitCode);
        Assert.Contains("RAPIDBYTE_CONNECTOR_REGISTRY", noRegistry.Stderr);
        Assert.Equal(1, noVersion.ExitCode);
        Assert.Contains("connector 'test-connector@9.9.9' is not published in", noVersion.Stderr);
        Assert.Equal(2, badReference.ExitCode);
        Assert.Contains("is not a SHA-256 digest", badReference.Stderr);
        Assert.Empty(JsonDocument.Parse((await CliProcess.RunWithAsync(Registry, "connector", "list", "--json")).Stdout).RootElement.EnumerateArray());
    }
}
