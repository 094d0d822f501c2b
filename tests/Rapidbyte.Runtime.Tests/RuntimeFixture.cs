using System.Text.Json;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Modules;
using Rapidbyte.Testing;

namespace Rapidbyte.Runtime.Tests;

/// <summary>One connector runtime and the test connector, shared by the tests of a collection.</summary>
public sealed class RuntimeFixture : IDisposable
{
    private readonly Lazy<ConnectorModule> _testConnector;

    public RuntimeFixture()
    {
        Runtime = new ConnectorRuntime();
        _testConnector = new Lazy<ConnectorModule>(() => Runtime.LoadModuleFile(RepositoryPaths.Connector("test-connector")));
    }

    public ConnectorRuntime Runtime { get; }

    /// <summary>connectors/test-connector, whose behaviour a test picks with <c>config.scenario</c>.</summary>
    public ConnectorModule TestConnector => _testConnector.Value;

    public static JsonElement Config(object config) => JsonSerializer.SerializeToElement(config);

    public void Dispose() => Runtime.Dispose();
}

[CollectionDefinition(Name)]
public sealed class RuntimeCollection : ICollectionFixture<RuntimeFixture>
{
    public const string Name = "runtime";
}

/// <summary>
/// Tests that measure the whole process (CPU time, threads, memory) run alone: anything
/// running beside them would be measured too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredCollection : ICollectionFixture<RuntimeFixture>
{
    public const string Name = "measured";
}
