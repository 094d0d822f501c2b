using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Rapidbyte.Api;
using Rapidbyte.Grains.Composition;

namespace Rapidbyte.Silo;

/// <summary>The service's egress policy: its connectors go only where its operator lets them (README "Egress policy").</summary>
internal static class SiloEgress
{
    /// <summary>
    /// Adds the policy. The silo is in development mode exactly when its API is
    /// (<c>Rapidbyte:Api:Authentication:Mode Development</c>, which the API takes only on a silo
    /// listening on loopback alone): one developer's machine, whose loopback is theirs. The
    /// HTTP ports guarded are those the web server listens on.
    /// </summary>
    public static ISiloBuilder AddSiloEgressPolicy(this ISiloBuilder silo) =>
        silo.AddEgressPolicy(provider => new EgressHost(
            provider.GetRequiredService<IOptions<ApiOptions>>().Value.Authentication.Mode == ApiAuthenticationMode.Development,
            $"{RapidbyteOptions.Section}:{ApiOptions.Section}:Authentication:Mode Development",
            () => ListeningPorts(provider.GetRequiredService<IServer>()),
            "ASPNETCORE_URLS"));

    // Read at each connect: the addresses are known once the server listens (after the silo starts).
    private static IEnumerable<int> ListeningPorts(IServer server) =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => BindingAddress.Parse(a).Port).ToList() ?? [];
}
