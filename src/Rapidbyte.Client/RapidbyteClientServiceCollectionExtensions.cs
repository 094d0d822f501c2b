using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Rapidbyte.Client;

// In the namespace of IServiceCollection, as ASP.NET Core's own AddXxx methods are.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Rapidbyte client to a service collection.</summary>
public static class RapidbyteClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IRapidbyteClient"/>: a typed <see cref="HttpClient"/> that carries the
    /// token, retries what is safe to repeat (with Microsoft.Extensions.Http.Resilience) and
    /// moves to the next endpoint when one is lost.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the endpoints and the token or credential.</param>
    /// <returns>The client's builder, for more handlers.</returns>
    public static IHttpClientBuilder AddRapidbyteClient(this IServiceCollection services, Action<RapidbyteClientOptions> configure)
    {
        services.AddOptions<RapidbyteClientOptions>().Configure(configure).Validate(options =>
        {
            options.Validate();
            return true;
        });
        var builder = services.AddHttpClient<IRapidbyteClient, RapidbyteClient>((http, provider) =>
            new RapidbyteClient(http, provider.GetRequiredService<IOptions<RapidbyteClientOptions>>().Value));
        // Outermost first: each retry goes through the failover and gets a fresh token.
        builder.AddResilienceHandler("rapidbyte", (pipeline, context) =>
            pipeline.AddRetry(RapidbyteHttp.Retry(context.ServiceProvider.GetRequiredService<IOptions<RapidbyteClientOptions>>().Value)));
        builder.AddHttpMessageHandler(provider => new RapidbyteHttp.EndpointFailover(provider.GetRequiredService<IOptions<RapidbyteClientOptions>>().Value))
            .AddHttpMessageHandler(provider => new RapidbyteHttp.BearerToken(provider.GetRequiredService<IOptions<RapidbyteClientOptions>>().Value));
        return builder;
    }
}
