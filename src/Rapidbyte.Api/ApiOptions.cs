namespace Rapidbyte.Api;

/// <summary>The HTTP API's settings: <c>Rapidbyte:Api:...</c>.</summary>
public sealed class ApiOptions
{
    /// <summary>The section under <c>Rapidbyte</c>.</summary>
    public const string Section = "Api";

    /// <summary>Who may call, and in which role.</summary>
    public ApiAuthenticationOptions Authentication { get; set; } = new();

    /// <summary>How many requests one caller may make.</summary>
    public ApiRateLimitOptions RateLimit { get; set; } = new();

    /// <summary>The largest request body taken (a pipeline's YAML); a larger one is answered 413. Default 1 MiB, the largest pipeline document.</summary>
    public long MaxRequestBytes { get; set; } = 1024 * 1024;
}

/// <summary>How callers are authenticated: <c>Rapidbyte:Api:Authentication:...</c>.</summary>
public sealed class ApiAuthenticationOptions
{
    /// <summary><see cref="ApiAuthenticationMode.Jwt"/> (default) or <see cref="ApiAuthenticationMode.Development"/>.</summary>
    public ApiAuthenticationMode Mode { get; set; } = ApiAuthenticationMode.Jwt;

    /// <summary>
    /// The OpenID Connect issuer whose tokens are accepted (its signing keys are read from its
    /// discovery document): <c>https://login.microsoftonline.com/{tenant}/v2.0</c> for
    /// Microsoft Entra ID. Plain http only on loopback.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The audience a token must be for (Entra ID: the API's application ID URI or client id).</summary>
    public string? Audience { get; set; }

    /// <summary>The claim holding the caller's roles (Entra ID app roles: <c>roles</c>).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The role that may read and watch.</summary>
    public string ReaderRole { get; set; } = "Rapidbyte.Reader";

    /// <summary>The role that may also trigger, cancel, pause, resume and reset cursors.</summary>
    public string OperatorRole { get; set; } = "Rapidbyte.Operator";

    /// <summary>The role that may also register and delete pipelines.</summary>
    public string AdminRole { get; set; } = "Rapidbyte.Admin";
}

/// <summary>How the API authenticates its callers.</summary>
public enum ApiAuthenticationMode
{
    /// <summary>Bearer tokens (JWT) of the configured OpenID Connect issuer.</summary>
    Jwt,

    /// <summary>No token: every caller on loopback is admin. Only for a silo listening on loopback alone.</summary>
    Development,
}

/// <summary>Per-caller limits: <c>Rapidbyte:Api:RateLimit:...</c>.</summary>
public sealed class ApiRateLimitOptions
{
    /// <summary>Requests a caller may make per second, on average.</summary>
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>Requests a caller may make at once after being idle.</summary>
    public int Burst { get; set; } = 100;
}
