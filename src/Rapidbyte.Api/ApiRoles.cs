namespace Rapidbyte.Api;

/// <summary>The API's authorization policies, one per role; each role may do what the one before it may.</summary>
public static class ApiRoles
{
    /// <summary>Read pipelines, runs, cursors; watch runs.</summary>
    public const string Reader = "reader";

    /// <summary>Also trigger, cancel, pause, resume, reset cursors.</summary>
    public const string Operator = "operator";

    /// <summary>Also register and delete pipelines.</summary>
    public const string Admin = "admin";
}
