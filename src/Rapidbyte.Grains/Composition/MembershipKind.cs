namespace Rapidbyte.Grains.Composition;

/// <summary>How silos find each other.</summary>
public enum MembershipKind
{
    /// <summary>Through the membership table in the state database: a cluster of any size, the service.</summary>
    Database,

    /// <summary>A single silo on loopback that no other process joins: the CLI's embedded silo.</summary>
    Local,
}
