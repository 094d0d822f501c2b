using Rapidbyte.Grains.Execution;

namespace Rapidbyte.Grains.Composition;

/// <summary>
/// Every setting of a Rapidbyte silo, bound from the configuration section
/// <see cref="Section"/> (in a container: environment variables such as
/// <c>Rapidbyte__State__ConnectionString</c>). Checked at start by
/// <see cref="RapidbyteOptionsValidator"/>: a missing, malformed or unknown setting stops
/// the silo with a message naming it.
/// </summary>
public sealed class RapidbyteOptions
{
    public const string Section = "Rapidbyte";

    public StateOptions State { get; set; } = new();

    public ClusterSettings Cluster { get; set; } = new();

    public PipelineEngineOptions Engine { get; set; } = new();
}
