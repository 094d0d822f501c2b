namespace Rapidbyte.Deployment.Tests.Arm;

/// <summary>
/// A value only Azure knows at deployment time (a reference to a resource, the tenant, a
/// generated name), kept as its canonical expression text so tests can say where it comes from.
/// </summary>
public sealed record Deferred(string Expression)
{
    public override string ToString() => Expression;
}
