using System.Text.Json.Nodes;
using Rapidbyte.Deployment.Tests.Arm;
using Rapidbyte.Testing;

namespace Rapidbyte.Deployment.Tests;

/// <summary>
/// infra/main.bicep built (and linted) once for every test class in the collection, and the
/// compiled ARM template, with ways to walk it.
/// </summary>
public sealed class CompiledInfrastructure : IDisposable
{
    private readonly string _outputDirectory = Directory.CreateTempSubdirectory("rapidbyte-bicep-").FullName;

    public CompiledInfrastructure()
    {
        (BuildExitCode, BuildOutput) = BicepCli.Run("build", MainBicep, "--outdir", _outputDirectory);
        (LintExitCode, LintOutput) = BicepCli.Run("lint", MainBicep);
        var compiled = Path.Combine(_outputDirectory, "main.json");
        Template = File.Exists(compiled) ? JsonNode.Parse(File.ReadAllText(compiled))!.AsObject() : new JsonObject();
    }

    public static string InfraDirectory { get; } = Path.Combine(RepositoryPaths.Root, "infra");

    public static string MainBicep { get; } = Path.Combine(InfraDirectory, "main.bicep");

    public int BuildExitCode { get; }

    public string BuildOutput { get; }

    public int LintExitCode { get; }

    public string LintOutput { get; }

    /// <summary>The compiled main template (empty if the build failed).</summary>
    public JsonObject Template { get; }

    /// <summary>A template's resources, keyed by symbolic name (languageVersion 2.0) or position.</summary>
    public static IEnumerable<(string Name, JsonObject Resource)> Resources(JsonObject template) => template["resources"] switch
    {
        JsonObject byName => byName.Select(p => (p.Key, p.Value!.AsObject())),
        JsonArray list => list.Select((r, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), r!.AsObject())),
        _ => [],
    };

    /// <summary>The main template and every module's nested template, depth first.</summary>
    public IEnumerable<JsonObject> AllTemplates() => Nested(Template);

    private static IEnumerable<JsonObject> Nested(JsonObject template) =>
        Resources(template)
            .Where(r => IsModule(r.Resource))
            .SelectMany(r => Nested(r.Resource["properties"]!["template"]!.AsObject()))
            .Prepend(template);

    /// <summary>Every resource in every template, with the template it is declared in.</summary>
    public IEnumerable<(JsonObject Template, string Name, JsonObject Resource)> AllResources() =>
        AllTemplates().SelectMany(t => Resources(t).Select(r => (t, r.Name, r.Resource)));

    public IEnumerable<(JsonObject Template, string Name, JsonObject Resource)> ResourcesOfType(string type) =>
        AllResources().Where(r => string.Equals((string?)r.Resource["type"], type, StringComparison.OrdinalIgnoreCase));

    public static bool IsModule(JsonObject resource) =>
        string.Equals((string?)resource["type"], "Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase);

    /// <summary>The module of the main template whose nested template declares a resource of <paramref name="type"/>.</summary>
    public (string Name, JsonObject Module) ModuleDeclaring(string type)
    {
        var modules = Resources(Template)
            .Where(r => IsModule(r.Resource) && Resources(r.Resource["properties"]!["template"]!.AsObject())
                .Any(inner => string.Equals((string?)inner.Resource["type"], type, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        return modules.Count == 1 ? modules[0] : throw new InvalidOperationException($"{modules.Count} modules of main.bicep declare {type}; expected one");
    }

    /// <summary>
    /// The instances of the module declaring <paramref name="type"/> that main.bicep deploys for
    /// these parameter values (one per iteration of a module loop), each a scope whose parameters
    /// are computed as Azure would for that instance.
    /// </summary>
    public IReadOnlyList<TemplateScope> ModuleInstances(string type, IReadOnlyDictionary<string, object?> mainParameters)
    {
        var main = new TemplateScope(Template, mainParameters);
        var (_, module) = ModuleDeclaring(type);
        var loop = module["copy"]?.AsObject();
        var count = loop is null ? 1 : TemplateScope.ToLong(main.Evaluate(loop["count"], TemplateScope.Frame.Empty));
        var nested = module["properties"]!["template"]!.AsObject();
        var instances = new List<TemplateScope>();
        for (var i = 0; i < count; i++)
        {
            var frame = loop is null ? TemplateScope.Frame.Empty : TemplateScope.Frame.Empty.WithCopy((string)loop["name"]!, i);
            var parameters = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, node) in module["properties"]!["parameters"]!.AsObject())
            {
                // Either { "value": ... } or an expression yielding that object.
                var wrapped = (IDictionary<string, object?>)main.Evaluate(node, frame)!;
                parameters[name] = wrapped["value"];
            }
            instances.Add(new TemplateScope(nested, parameters));
        }
        return instances;
    }

    /// <summary>The silo Container Apps main.bicep deploys for these parameter values, evaluated.</summary>
    public IReadOnlyList<SiloApp> SiloApps(IReadOnlyDictionary<string, object?> mainParameters) =>
        ModuleInstances("Microsoft.App/containerApps", mainParameters)
            .Select(silo =>
            {
                var app = Resources(silo.Template).Single(r => (string?)r.Resource["type"] == "Microsoft.App/containerApps").Resource;
                return new SiloApp(silo.GivenParameters, (IDictionary<string, object?>)silo.Evaluate(app, TemplateScope.Frame.Empty)!);
            })
            .ToList();

    public void Dispose() => Directory.Delete(_outputDirectory, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class CompiledInfrastructureCollection : ICollectionFixture<CompiledInfrastructure>
{
    public const string Name = "compiled infra/main.bicep";
}
