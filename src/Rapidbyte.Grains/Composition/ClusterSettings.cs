using System.Net;

namespace Rapidbyte.Grains.Composition;

/// <summary>Which cluster a silo belongs to and how others reach it (settings <c>Rapidbyte:Cluster:*</c>).</summary>
public sealed class ClusterSettings
{
    /// <summary>
    /// The one id every Rapidbyte process uses unless told otherwise: grain state is stored
    /// under the service id, so a pipeline moved from the CLI to the service keeps its cursors.
    /// </summary>
    public const string DefaultServiceId = "rapidbyte";

    public MembershipKind Membership { get; set; } = MembershipKind.Database;

    /// <summary>The cluster this silo joins; silos of one cluster share it.</summary>
    public string ClusterId { get; set; } = "rapidbyte";

    /// <summary>Whose state this is: stays the same across deployments, clusters and the CLI.</summary>
    public string ServiceId { get; set; } = DefaultServiceId;

    /// <summary>Silo-to-silo port; 0 takes any free port (Local membership only).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port clients connect to; 0 takes any free port (Local membership only).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The IP address other silos and clients reach this one at (in a container: the
    /// container's own address). Unset: loopback for Local membership, else the address
    /// Orleans finds for the machine's name.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    internal IPAddress? ParsedAdvertisedAddress => AdvertisedAddress is { Length: > 0 } text ? IPAddress.Parse(text) : null;
}
