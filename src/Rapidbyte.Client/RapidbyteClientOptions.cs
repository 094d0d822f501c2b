using Azure.Core;

namespace Rapidbyte.Client;

/// <summary>Where the Rapidbyte API is and how to authenticate to it.</summary>
public sealed class RapidbyteClientOptions
{
    /// <summary>
    /// The API's address (<c>https://rapidbyte.example.com/</c>); a path is ignored. Give several
    /// (every silo's, when no load balancer is in front) and a request whose silo cannot be
    /// reached goes to the next.
    /// </summary>
    public IList<Uri> Endpoints { get; } = [];

    /// <summary>A bearer token sent as it is (a token of a service principal, say). Unset with <see cref="Credential"/>.</summary>
    public string? AccessToken { get; set; }

    /// <summary>
    /// Where tokens come from (Azure.Identity's <c>DefaultAzureCredential</c>, a managed
    /// identity, ...), for <see cref="Scopes"/>; a token is reused until five minutes before it expires.
    /// </summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>The scopes asked of <see cref="Credential"/> (Entra ID: <c>api://APP-ID/.default</c>).</summary>
    public IList<string> Scopes { get; } = [];

    /// <summary>How many times a request that is safe to repeat is retried after a transient failure (5xx, 429, a lost connection). Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>How long a watch tries to reach the API again after losing it before it gives up. Default 2 minutes.</summary>
    public TimeSpan WatchReconnectTimeout { get; set; } = TimeSpan.FromMinutes(2);

    internal void Validate()
    {
        if (Endpoints.Count == 0)
        {
            throw new InvalidOperationException("RapidbyteClientOptions.Endpoints is empty: give the API's address (https://host/)");
        }
        foreach (var endpoint in Endpoints)
        {
            if (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https"))
            {
                throw new InvalidOperationException($"RapidbyteClientOptions.Endpoints: {endpoint} is not an http(s) address");
            }
        }
        if (AccessToken is not null && Credential is not null)
        {
            throw new InvalidOperationException("RapidbyteClientOptions: set AccessToken or Credential, not both");
        }
        if (Credential is not null && Scopes.Count == 0)
        {
            throw new InvalidOperationException("RapidbyteClientOptions.Scopes is empty: a Credential needs the API's scope (api://APP-ID/.default)");
        }
        if (MaxRetries < 0)
        {
            throw new InvalidOperationException("RapidbyteClientOptions.MaxRetries must be 0 or more");
        }
    }
}
