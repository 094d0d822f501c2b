namespace Rapidbyte.Contracts;

/// <summary>The operations a connector exports; the values are the <c>op</c> codes of <c>rb_start</c>.</summary>
public enum ConnectorOperation
{
    Spec = 0,
    Check = 1,
    Discover = 2,
    Read = 3,
    Write = 4,
    Close = 5,
    Committed = 6,
}
