namespace Rapidbyte.Deployment.Tests;

/// <summary>One silo Container App as deployed: its module's parameters and the evaluated resource.</summary>
public sealed record SiloApp(IReadOnlyDictionary<string, object?> Parameters, IDictionary<string, object?> Resource)
{
    public string Name => (string)Resource["name"]!;

    public IDictionary<string, object?> Properties => Map(Resource["properties"]);

    public IDictionary<string, object?> Ingress => Map(Map(Properties["configuration"])["ingress"]);

    public IDictionary<string, object?> Template => Map(Properties["template"]);

    public IDictionary<string, object?> Container => Map(List(Template["containers"]).Single());

    public IReadOnlyList<IDictionary<string, object?>> Secrets => List(Map(Properties["configuration"])["secrets"]).Select(Map).ToList();

    public IReadOnlyList<IDictionary<string, object?>> Env => List(Container["env"]).Select(Map).ToList();

    public IReadOnlyList<IDictionary<string, object?>> Probes => List(Container["probes"]).Select(Map).ToList();

    /// <summary>The container's environment variable <paramref name="name"/>.</summary>
    public IDictionary<string, object?> Variable(string name) =>
        Env.SingleOrDefault(e => (string?)e["name"] == name) ?? throw new KeyNotFoundException($"{Name} has no environment variable {name}");

    public static IDictionary<string, object?> Map(object? value) =>
        value as IDictionary<string, object?> ?? throw new InvalidCastException($"not an object: {value}");

    public static IList<object?> List(object? value) =>
        value as IList<object?> ?? throw new InvalidCastException($"not an array: {value}");
}
