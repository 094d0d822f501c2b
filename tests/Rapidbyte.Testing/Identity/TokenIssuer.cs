using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Rapidbyte.Testing.Identity;

/// <summary>
/// An OpenID Connect issuer on loopback, as Microsoft Entra ID is to a deployed silo: it serves
/// its discovery document and signing keys (JWKS) over HTTP, and signs the tokens a test's
/// callers present (RS256, roles in <c>roles</c>). A silo given <see cref="Authority"/> and
/// <see cref="Audience"/> reads its keys from it as it would from Entra ID.
/// </summary>
public sealed class TokenIssuer : IAsyncDisposable
{
    public const string Audience = "api://rapidbyte-tests";
    private const string KeyId = "test-key-1";

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key;

    private TokenIssuer(WebApplication app, RsaSecurityKey key, string authority)
    {
        _app = app;
        _key = key;
        Authority = authority;
    }

    /// <summary>The issuer's address: what a silo's <c>Rapidbyte:Api:Authentication:Authority</c> is set to.</summary>
    public string Authority { get; }

    public static async Task<TokenIssuer> StartAsync()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = KeyId };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = KeyId });
        app.MapGet("/.well-known/openid-configuration", (HttpContext http) => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = IssuerOf(http),
            ["jwks_uri"] = IssuerOf(http) + "/keys",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/keys", () => Results.Text(JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, alg = "RS256", n = jwk.N, e = jwk.E } },
        }), "application/json"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TokenIssuer(app, key, address.TrimEnd('/'));
    }

    /// <summary>A token for <paramref name="subject"/> in <paramref name="roles"/>, valid for an hour.</summary>
    public string Issue(string subject, params string[] roles) => Issue(subject, roles, DateTime.UtcNow.AddHours(1));

    /// <summary>A token that expired an hour ago.</summary>
    public string IssueExpired(string subject, params string[] roles) => Issue(subject, roles, DateTime.UtcNow.AddHours(-1));

    /// <summary>A token like the issuer's, with its key id, but signed by another key: a forgery.</summary>
    public string IssueForged(string subject, params string[] roles) =>
        Issue(subject, roles, DateTime.UtcNow.AddHours(1), new RsaSecurityKey(RSA.Create(2048)) { KeyId = KeyId });

    /// <summary>A token for another API (another audience).</summary>
    public string IssueForAudience(string audience, string subject, params string[] roles) =>
        Issue(subject, roles, DateTime.UtcNow.AddHours(1), audience: audience);

    private string Issue(string subject, string[] roles, DateTime expires, RsaSecurityKey? signingKey = null, string audience = Audience)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["name"] = subject };
        if (roles.Length > 0)
        {
            claims["roles"] = roles;
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = audience,
            Claims = claims,
            IssuedAt = expires.AddHours(-2),
            NotBefore = expires.AddHours(-2),
            Expires = expires,
            SigningCredentials = new SigningCredentials(signingKey ?? _key, SecurityAlgorithms.RsaSha256),
        });
    }

    private static string IssuerOf(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _key.Rsa.Dispose();
    }
}
