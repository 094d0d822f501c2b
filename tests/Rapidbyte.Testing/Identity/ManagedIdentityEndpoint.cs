using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Rapidbyte.Testing.Identity;

/// <summary>
/// The managed identity endpoint Azure Container Apps (and App Service) give a container, on
/// loopback: a process started with <see cref="Environment"/> gets its tokens from here through
/// Azure.Identity exactly as it would in Azure (<c>IDENTITY_ENDPOINT</c>, the secret
/// <c>IDENTITY_HEADER</c>, API version 2019-08-01). Every token request is recorded.
/// </summary>
public sealed class ManagedIdentityEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _header = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    private readonly ConcurrentQueue<TokenRequest> _requests = new();
    private volatile string? _token;

    private ManagedIdentityEndpoint(WebApplication app) => _app = app;

    /// <summary>The user-assigned identity's client id the endpoint serves (what <c>AZURE_CLIENT_ID</c> is set to).</summary>
    public string ClientId { get; } = Guid.NewGuid().ToString();

    /// <summary>
    /// The access token handed out; null answers every request as Azure does for an identity
    /// the container does not have (400). A string of a JWT's size.
    /// </summary>
    public string? Token
    {
        get => _token;
        set => _token = value;
    }

    /// <summary>The requests answered so far, oldest first.</summary>
    public IReadOnlyList<TokenRequest> Requests => [.. _requests];

    /// <summary>The environment variables a container in Azure Container Apps has for its identity.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; private set; } = new Dictionary<string, string?>();

    public static async Task<ManagedIdentityEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var endpoint = new ManagedIdentityEndpoint(app) { Token = NewToken() };
        app.MapGet("/msi/token", (HttpContext http) =>
        {
            var query = http.Request.Query;
            var request = new TokenRequest(query["api-version"].ToString(), query["resource"].ToString(), query["client_id"].ToString(),
                http.Request.Headers["X-IDENTITY-HEADER"].ToString() == endpoint._header);
            endpoint._requests.Enqueue(request);
            if (!request.HeaderMatched)
            {
                return Results.Json(new { statusCode = 401, message = "Unauthorized request" }, statusCode: 401);
            }
            if (endpoint._token is not { } token || request.ClientId != endpoint.ClientId)
            {
                return Results.Json(new { statusCode = 400, message = "Unable to load the proper Managed Identity." }, statusCode: 400);
            }
            return Results.Json(new Dictionary<string, string>
            {
                ["access_token"] = token,
                ["expires_on"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["resource"] = request.Resource,
                ["token_type"] = "Bearer",
                ["client_id"] = endpoint.ClientId,
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        endpoint.Environment = new Dictionary<string, string?>
        {
            ["IDENTITY_ENDPOINT"] = address + "/msi/token",
            ["IDENTITY_HEADER"] = endpoint._header,
            ["AZURE_CLIENT_ID"] = endpoint.ClientId,
        };
        return endpoint;
    }

    /// <summary>A random token of an Entra access token's size (over a kilobyte, base64url).</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(900)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One token request: its API version, the resource asked for, the client id, and whether it carried the secret header.</summary>
public sealed record TokenRequest(string ApiVersion, string Resource, string ClientId, bool HeaderMatched);
