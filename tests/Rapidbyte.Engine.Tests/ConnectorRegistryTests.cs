using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Pipelines;
using Rapidbyte.Testing.Servers;

namespace Rapidbyte.Engine.Tests;

/// <summary>
/// The Blob connector registry against Azurite: publishing, resolving references, and a
/// process fetching, checking and compiling each digest once.
/// </summary>
public sealed class ConnectorRegistryTests : IAsyncLifetime
{
    private const string Container = "connectors";
    private AzuriteServer _azurite = null!;
    private readonly byte[] _module = File.ReadAllBytes(RepositoryPaths.Connector("test-connector"));
    private readonly List<string> _cleanup = [];

    public async Task InitializeAsync() => _azurite = await AzuriteServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _azurite.DisposeAsync();
        foreach (var directory in _cleanup)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private BlobConnectorRegistry Blob() => BlobConnectorRegistry.Create(_azurite.ConnectionString, Container);

    [Fact]
    public async Task Versions_publish_concurrently_resolve_by_name_version_or_digest_and_never_change()
    {
        var blob = Blob();
        var (v1, v19, v110) = (_module, ModuleVariants.Of(_module, "1.9"), ModuleVariants.Of(_module, "1.10"));

        await Task.WhenAll(
            blob.PublishAsync("test-connector", "1.0.0", v1),
            blob.PublishAsync("test-connector", "1.9.0", v19),
            blob.PublishAsync("test-connector", "1.10.0", v110),
            blob.PublishAsync("test-connector", "2.0.0-beta.1", v1));

        var listed = await blob.ListAsync("test-connector");
        Assert.Equal(["2.0.0-beta.1", "1.10.0", "1.9.0", "1.0.0"], listed.Select(c => c.Version));
        Assert.Equal(_module.Length, listed.Single(c => c.Version == "1.0.0").Size);
        // The newest release... a pre-release is newest too, as semantic versions order them.
        Assert.Equal("2.0.0-beta.1", (await blob.ResolveAsync(new("test-connector")))!.Version);
        Assert.Equal(ModuleVariants.Digest(v19), (await blob.ResolveAsync(new("test-connector", "1.9.0")))!.Digest);
        Assert.Equal("1.10.0", (await blob.ResolveAsync(Pipelines.Spec.ConnectorReference.Pinned("test-connector", ModuleVariants.Digest(v110))))!.Version);
        Assert.Null(await blob.ResolveAsync(new("test-connector", "3.0.0")));
        Assert.Null(await blob.ResolveAsync(new("source-nosuch")));

        // The same bytes again: a no-op. Other bytes under a published version: refused, both digests named.
        Assert.Equal(ModuleVariants.Digest(v1), (await blob.PublishAsync("test-connector", "1.0.0", v1)).Digest);
        var refused = await Assert.ThrowsAsync<ConnectorRegistryException>(() => blob.PublishAsync("test-connector", "1.0.0", v19));
        Assert.Contains(ModuleVariants.Digest(v1), refused.Message);
        Assert.Contains(ModuleVariants.Digest(v19), refused.Message);
        Assert.Equal(ModuleVariants.Digest(v1), (await blob.ResolveAsync(new("test-connector", "1.0.0")))!.Digest);
        Assert.Equal(v1, await blob.DownloadAsync(ModuleVariants.Digest(v1)));
    }

    [Fact]
    public async Task Eight_streams_asking_at_once_download_and_compile_a_module_once()
    {
        var blob = Blob();
        var variant = ModuleVariants.Of(_module, "once");
        await blob.PublishAsync("test-connector", "1.0.0", variant);
        var log = new CountingLogger();
        using var runtime = Runtime(log);
        var registry = new ConnectorRegistry(runtime, EmptyDirectory(), blob);

        var modules = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => registry.LoadAsync("test-connector@1.0.0"))));

        Assert.All(modules, m => Assert.Same(modules[0], m));
        Assert.Equal(ModuleVariants.Digest(variant), modules[0].Sha256);
        Assert.Equal(1, registry.Downloads);
        Assert.Equal(1, log.Count("Compiled"));
    }

    [Fact]
    public async Task A_blob_changed_after_publishing_is_refused_with_both_digests_and_never_compiled()
    {
        var blob = Blob();
        var published = await blob.PublishAsync("test-connector", "1.0.0", _module);
        var tampered = ModuleVariants.Of(_module, "tampered");
        var container = new BlobContainerClient(_azurite.ConnectionString, Container);
        await container.GetBlobClient(BlobConnectorRegistry.ModulePath(published.Digest)).UploadAsync(BinaryData.FromBytes(tampered), overwrite: true);
        var log = new CountingLogger();
        var cache = EmptyDirectory();
        using var runtime = Runtime(log, cache);
        var registry = new ConnectorRegistry(runtime, EmptyDirectory(), blob);

        var error = await Assert.ThrowsAsync<ConnectorException>(() => registry.LoadAsync("test-connector@1.0.0"));

        Assert.Contains(published.Digest, error.Message);
        Assert.Contains(ModuleVariants.Digest(tampered), error.Message);
        Assert.Equal(0, log.Count("Compiled"));
        Assert.Empty(Directory.GetFiles(cache));
    }

    [Fact]
    public async Task A_module_compiled_before_runs_while_the_registry_is_away_and_a_name_then_fails_as_retryable()
    {
        var blob = Blob();
        var published = await blob.PublishAsync("test-connector", "1.0.0", ModuleVariants.Of(_module, "offline"));
        var cache = EmptyDirectory();
        using (var warm = Runtime(new CountingLogger(), cache))
        {
            await new ConnectorRegistry(warm, EmptyDirectory(), blob).LoadAsync(published.Pinned.ToString());
        }
        await _azurite.StopAsync();

        // A silo restarted while the registry is away: its disk cache of compiled code.
        var log = new CountingLogger();
        using var runtime = Runtime(log, cache);
        var registry = new ConnectorRegistry(runtime, EmptyDirectory(), blob);
        var module = await registry.LoadAsync(published.Pinned.ToString());

        Assert.Equal(published.Digest, module.Sha256);
        Assert.Equal(0, registry.Downloads);
        Assert.Equal(0, log.Count("Compiled"));
        var away = await Assert.ThrowsAsync<ConnectorRegistryException>(() => registry.LoadAsync("test-connector"));
        Assert.True(away.Retryable);
        Assert.Contains("unreachable", away.Message);
        Assert.Contains($"127.0.0.1:{_azurite.Port}", away.Message);
    }

    [Fact]
    public async Task Unpublished_names_fall_back_to_the_directory_but_a_published_one_never_does()
    {
        var blob = Blob();
        using var runtime = Runtime(new CountingLogger());
        var registry = new ConnectorRegistry(runtime, RepositoryPaths.ConnectorsDirectory, blob);

        var bundled = await registry.ResolveAsync("test-connector");
        Assert.Equal(ModuleVariants.Digest(_module), bundled.Digest);

        await blob.PublishAsync("test-connector", "7.0.0", ModuleVariants.Of(_module, "7"));
        Assert.Equal("7.0.0", (await registry.ResolveAsync("test-connector")).Version);
        var missing = await Assert.ThrowsAsync<ConnectorNotFoundException>(() => registry.ResolveAsync("test-connector@" + bundled.Version));
        Assert.Contains(blob.Location, missing.Message);
    }

    private ConnectorRuntime Runtime(CountingLogger log, string? cache = null) =>
        new(new ConnectorRuntimeOptions { CompiledCacheDirectory = cache }, LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Information)));

    private string EmptyDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("rapidbyte-registry-test-").FullName;
        _cleanup.Add(directory);
        return directory;
    }

    /// <summary>Counts log messages containing a word, from every logger of a factory.</summary>
    private sealed class CountingLogger : ILoggerProvider, ILogger
    {
        private readonly List<string> _messages = [];

        public int Count(string word)
        {
            lock (_messages)
            {
                return _messages.Count(m => m.Contains(word, StringComparison.Ordinal));
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_messages)
            {
                _messages.Add(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
