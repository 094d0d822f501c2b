using Azure.Core;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Rapidbyte.Client;

/// <summary>The handlers of the client's <see cref="HttpClient"/>: retries of what is safe to repeat, endpoint failover, the bearer token.</summary>
internal static class RapidbyteHttp
{
    private static readonly HttpRequestOptionsKey<bool> Retryable = new("rapidbyte.retryable");

    /// <summary>Marks a request as safe to send again (it reads, or repeating it changes nothing).</summary>
    public static void MarkRetryable(HttpRequestMessage request) => request.Options.Set(Retryable, true);

    /// <summary>Whether a transient failure of this attempt may be retried.</summary>
    public static bool IsRetryable(HttpRequestMessage? request) => request is not null && request.Options.TryGetValue(Retryable, out var retryable) && retryable;

    /// <summary>The retry strategy: transient failures (5xx, 408, 429, a lost connection) of retryable requests, with backoff and jitter, honouring Retry-After.</summary>
    public static HttpRetryStrategyOptions Retry(RapidbyteClientOptions options) => new()
    {
        MaxRetryAttempts = Math.Max(options.MaxRetries, 1),
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = TimeSpan.FromMilliseconds(500),
        ShouldHandle = args => ValueTask.FromResult(
            options.MaxRetries > 0 && IsRetryable(args.Context.GetRequestMessage()) && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
    };

    /// <summary>The whole chain over <paramref name="inner"/>, for a client made without dependency injection.</summary>
    public static HttpMessageHandler Handlers(RapidbyteClientOptions options, HttpMessageHandler inner)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(Retry(options)).Build();
#pragma warning disable EXTEXP0001 // ResilienceHandler is the package's own handler for a pipeline built by hand.
        return new ResilienceHandler(pipeline)
#pragma warning restore EXTEXP0001
        {
            InnerHandler = new EndpointFailover(options) { InnerHandler = new BearerToken(options) { InnerHandler = inner } },
        };
    }

    /// <summary>
    /// Sends each request to the current endpoint; one that cannot be connected to (the request
    /// never left) is tried at once on the next, whatever the request, and becomes the current one.
    /// </summary>
    internal sealed class EndpointFailover(RapidbyteClientOptions options) : DelegatingHandler
    {
        private int _current;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var endpoints = options.Endpoints;
            var pathAndQuery = request.RequestUri!.PathAndQuery;
            for (var tried = 1; ; tried++)
            {
                var index = Volatile.Read(ref _current);
                request.RequestUri = new Uri(endpoints[index % endpoints.Count], pathAndQuery);
                try
                {
                    return await base.SendAsync(request, cancellationToken);
                }
                catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && tried < endpoints.Count)
                {
                    Interlocked.CompareExchange(ref _current, (index + 1) % endpoints.Count, index);
                }
            }
        }
    }

    /// <summary>Puts the bearer token on each request: the static one, or one from the credential, reused until near its expiry.</summary>
    internal sealed class BearerToken(RapidbyteClientOptions options) : DelegatingHandler
    {
        private readonly SemaphoreSlim _refresh = new(1, 1);
        private AccessToken _token;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var token = options.AccessToken ?? (options.Credential is { } credential ? await TokenAsync(credential, cancellationToken) : null);
            if (token is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }
            return await base.SendAsync(request, cancellationToken);
        }

        private async Task<string> TokenAsync(TokenCredential credential, CancellationToken cancellationToken)
        {
            if (_token.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(5))
            {
                return _token.Token;
            }
            await _refresh.WaitAsync(cancellationToken);
            try
            {
                if (_token.ExpiresOn <= DateTimeOffset.UtcNow.AddMinutes(5))
                {
                    _token = await credential.GetTokenAsync(new TokenRequestContext([.. options.Scopes]), cancellationToken);
                }
                return _token.Token;
            }
            finally
            {
                _refresh.Release();
            }
        }
    }
}
