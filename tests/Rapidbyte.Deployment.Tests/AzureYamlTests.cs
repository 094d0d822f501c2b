using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Rapidbyte.Testing;
using YamlDotNet.RepresentationModel;

namespace Rapidbyte.Deployment.Tests;

/// <summary>
/// azure.yaml, its hooks and infra/main.parameters.json, read as azd reads them (azd itself is
/// not available here): the one service builds the top-level Dockerfile, the hooks exist and run,
/// and every value azd passes lands on a parameter that exists.
/// </summary>
[Collection(CompiledInfrastructureCollection.Name)]
public sealed partial class AzureYamlTests(CompiledInfrastructure infra)
{
    private static readonly YamlMappingNode AzureYaml = Load();

    [Fact]
    public void TheProjectIsNamedAsAzdRequires()
    {
        Assert.Matches(ProjectName(), Scalar(AzureYaml, "name"));
    }

    [Fact]
    public void InfraIsTheBicepUnderInfra()
    {
        var infraNode = Mapping(AzureYaml, "infra");
        Assert.Equal("bicep", Scalar(infraNode, "provider"));
        Assert.Equal("infra", Scalar(infraNode, "path"));
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, Scalar(infraNode, "path"), "main.bicep")));
    }

    [Fact]
    public void TheOneServiceBuildsTheTopLevelDockerfileForContainerApps()
    {
        var (name, service) = Service();
        Assert.Equal("containerapp", Scalar(service, "host"));
        var project = Path.GetFullPath(Path.Combine(RepositoryPaths.Root, Scalar(service, "project")));
        var docker = Mapping(service, "docker");
        Assert.Equal(Path.Combine(RepositoryPaths.Root, "Dockerfile"), Path.GetFullPath(Path.Combine(project, Scalar(docker, "path"))));
        Assert.Equal(RepositoryPaths.Root.TrimEnd('/'), Path.GetFullPath(Path.Combine(project, Scalar(docker, "context"))).TrimEnd('/'));

        // azd deploys a service to the one resource tagged with its name: silo 0, never all of them.
        var tagged = infra.SiloApps(SiloTopologyTests.Parameters(3))
            .Where(app => app.Resource["tags"] is IDictionary<string, object?> tags && tags.TryGetValue("azd-service-name", out var tag) && (string?)tag == name)
            .ToList();
        Assert.Single(tagged);
    }

    [Fact]
    public void EverySiloGetsTheImageAzdPushed()
    {
        var (name, service) = Service();
        var parameters = ParametersFile();
        Assert.Equal($"${{SERVICE_{name.ToUpperInvariant()}_IMAGE_NAME}}", (string?)parameters["siloImage"]!["value"]);

        var hook = HookScript(Mapping(Mapping(service, "hooks"), "postdeploy"));
        Assert.Contains("azd provision", File.ReadAllText(hook), StringComparison.Ordinal);
    }

    [Fact]
    public void ThePostprovisionHookPublishesTheBundledConnectorsToTheProvisionedRegistry()
    {
        var script = File.ReadAllText(HookScript(Mapping(Mapping(AzureYaml, "hooks"), "postprovision")));
        var outputs = infra.Template["outputs"]!.AsObject();
        foreach (var output in new[] { "AZURE_CONNECTOR_REGISTRY_URI", "AZURE_CONNECTOR_CONTAINER" })
        {
            Assert.Contains(output, script, StringComparison.Ordinal);
            Assert.True(outputs.ContainsKey(output), $"main.bicep has no output {output}");
        }
        var command = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "Rapidbyte.Cli", "Commands", "ConnectorCommand.cs"));
        foreach (var option in new[] { "--registry", "--container" })
        {
            Assert.Contains($"\"{option}\"", command, StringComparison.Ordinal);
            Assert.Contains(option, script, StringComparison.Ordinal);
        }
        Assert.Contains("connector push", script, StringComparison.Ordinal);
        // The modules it pushes are the crates' build outputs (crate-name with '-' as '_').
        foreach (var crate in new[] { "source-postgres", "dest-postgres" })
        {
            Assert.True(Directory.Exists(Path.Combine(RepositoryPaths.Root, "connectors", crate)), crate);
            Assert.Contains(crate.Replace('-', '_'), script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheParametersFileFeedsParametersThatExistWithTheTemplatesDefaults()
    {
        var templateParameters = infra.Template["parameters"]!.AsObject();
        var given = ParametersFile();
        foreach (var (name, node) in given)
        {
            Assert.True(templateParameters.ContainsKey(name), $"main.parameters.json sets '{name}', which main.bicep does not declare");
            var value = (string)node!["value"]!;
            Assert.Matches(AzdSubstitution(), value);
            // ${NAME=default}: azd's default must be the template's, or leaving NAME unset changes it.
            if (AzdSubstitution().Match(value).Groups["default"] is { Success: true } fallback)
            {
                Assert.Equal(templateParameters[name]!["defaultValue"]!.ToJsonString().Trim('"'), fallback.Value);
            }
        }
        var required = templateParameters.Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key);
        Assert.All(required, name => Assert.True(given.ContainsKey(name), $"required parameter '{name}' is missing from main.parameters.json"));
    }

    private static (string Name, YamlMappingNode Service) Service()
    {
        var service = Assert.Single(Mapping(AzureYaml, "services").Children);
        return (((YamlScalarNode)service.Key).Value!, (YamlMappingNode)service.Value);
    }

    /// <summary>The script a hook runs: in the repository and executable.</summary>
    private static string HookScript(YamlMappingNode hook)
    {
        var path = Path.Combine(RepositoryPaths.Root, Scalar(hook, "run"));
        Assert.True(File.Exists(path), $"hook script {path} does not exist");
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), $"hook script {path} is not executable");
        return path;
    }

    private static JsonObject ParametersFile() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(CompiledInfrastructure.InfraDirectory, "main.parameters.json")))!["parameters"]!.AsObject();

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepositoryPaths.Root, "azure.yaml"));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlMappingNode mapping
            ? mapping
            : throw new KeyNotFoundException($"azure.yaml: no mapping '{key}'");

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlScalarNode { Value: { } value }
            ? value
            : throw new KeyNotFoundException($"azure.yaml: no value '{key}'");

    // azd's project name rule (schemas/v1.0/azure.yaml.json).
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex ProjectName();

    [GeneratedRegex(@"^\$\{(?<name>[A-Z_][A-Z0-9_]*)(=(?<default>[^}]*))?\}$")]
    private static partial Regex AzdSubstitution();
}
