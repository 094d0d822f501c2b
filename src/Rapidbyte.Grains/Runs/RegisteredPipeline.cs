namespace Rapidbyte.Grains.Runs;

/// <summary>A registered pipeline as stored: its YAML as written, with <c>${NAME}</c> references unresolved (a literal secret is refused at registration).</summary>
[GenerateSerializer, Alias("rapidbyte.registered-pipeline")]
public sealed class RegisteredPipeline
{
    [Id(0)]
    public string Yaml { get; set; } = "";

    [Id(1)]
    public string File { get; set; } = "";

    /// <summary>1 at the first registration, one more at each change of <see cref="Yaml"/>.</summary>
    [Id(2)]
    public long Version { get; set; }

    /// <summary>Whether the schedule is paused.</summary>
    [Id(3)]
    public bool Paused { get; set; }

    [Id(4)]
    public DateTimeOffset RegisteredAt { get; set; }

    [Id(5)]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The modules its connector references resolved to at registration (empty for a registration older than pinning: resolved at each run).</summary>
    [Id(6)]
    public List<ConnectorPin> Connectors { get; set; } = [];
}
