using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Rapidbyte.Api.Authentication;

/// <summary>
/// <c>Rapidbyte:Api:Authentication:Mode Development</c>: a caller connecting from loopback is
/// admin without a token; any other is not authenticated (the silo also refuses to start
/// listening beyond loopback in this mode).
/// </summary>
internal sealed class DevelopmentAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> schemes, ILoggerFactory logger, UrlEncoder encoder, IOptions<ApiOptions> api)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemes, logger, encoder)
{
    public const string SchemeName = "Development";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var settings = api.Value.Authentication;
        var identity = new ClaimsIdentity(
            [
                new Claim("sub", "development"),
                new Claim("name", "local developer"),
                new Claim(settings.RoleClaim, settings.AdminRole),
            ],
            SchemeName, "name", settings.RoleClaim);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
