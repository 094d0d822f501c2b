using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Rapidbyte.Grains.Composition;

namespace Rapidbyte.Api;

/// <summary>
/// Checks <c>Rapidbyte:Api</c> before the silo starts; each problem names its setting. A
/// silo without a token issuer stops unless it is in development mode and listens on
/// loopback alone (<c>ASPNETCORE_URLS</c>).
/// </summary>
public sealed class ApiOptionsValidator(IConfiguration configuration) : IValidateOptions<ApiOptions>
{
    private const string Prefix = $"{RapidbyteOptions.Section}:{ApiOptions.Section}:";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ApiOptions options) =>
        Problems(options) is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;

    /// <summary>Every problem of <paramref name="options"/>, each naming its setting.</summary>
    public IReadOnlyList<string> Problems(ApiOptions options)
    {
        var problems = new List<string>();
        var authentication = options.Authentication;
        if (authentication.Mode == ApiAuthenticationMode.Jwt)
        {
            if (!Uri.TryCreate(authentication.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            {
                problems.Add($"{Prefix}Authentication:Authority is not set to the OpenID Connect issuer whose tokens the API takes " +
                    $"(Microsoft Entra ID: https://login.microsoftonline.com/TENANT/v2.0); or set {Prefix}Authentication:Mode Development on a silo that listens on loopback only");
            }
            else if (authority.Scheme == "http" && !IsLoopback(authority.Host))
            {
                problems.Add($"{Prefix}Authentication:Authority must be https (plain http only for an issuer on loopback)");
            }
            if (string.IsNullOrWhiteSpace(authentication.Audience))
            {
                problems.Add($"{Prefix}Authentication:Audience is not set: the audience tokens for this API carry (Entra ID: the application ID URI or client id)");
            }
        }
        else if (ListeningBeyondLoopback() is { } where)
        {
            problems.Add($"{Prefix}Authentication:Mode Development lets every caller in without a token, so the silo must listen on loopback only, but {where}");
        }
        foreach (var (key, value) in new[] { ("RoleClaim", authentication.RoleClaim), ("ReaderRole", authentication.ReaderRole), ("OperatorRole", authentication.OperatorRole), ("AdminRole", authentication.AdminRole) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"{Prefix}Authentication:{key} is empty");
            }
        }
        if (options.RateLimit.RequestsPerSecond < 1)
        {
            problems.Add($"{Prefix}RateLimit:RequestsPerSecond must be at least 1");
        }
        if (options.RateLimit.Burst < 1)
        {
            problems.Add($"{Prefix}RateLimit:Burst must be at least 1");
        }
        if (options.MaxRequestBytes < 1024)
        {
            problems.Add($"{Prefix}MaxRequestBytes must be at least 1024");
        }
        return problems;
    }

    // Where the server is told to listen beyond loopback, if it is (ASP.NET Core's own settings).
    private string? ListeningBeyondLoopback()
    {
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            if (!string.IsNullOrWhiteSpace(configuration[key]))
            {
                return $"{key} listens on every address";
            }
        }
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        foreach (var url in urls)
        {
            // http://*:80 and http://+:80 are not URIs; they bind every address.
            var host = url.Split("://", 2) is [_, var rest] ? rest.Split('/')[0] : url;
            host = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
            if (!IsLoopback(host))
            {
                return $"ASPNETCORE_URLS (or Kestrel's endpoints) has {url}";
            }
        }
        return null;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
