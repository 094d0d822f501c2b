using Azure.Core;
using Npgsql;

namespace Rapidbyte.Grains.State;

/// <summary>
/// Signing in to Azure Database for PostgreSQL with Microsoft Entra: the password of each new
/// connection is an access token for the database service, taken from a credential (a managed
/// identity in Azure) and renewed in the background, so no password is stored anywhere.
/// </summary>
public static class EntraSignIn
{
    /// <summary>The scope of Azure Database for PostgreSQL's (and MySQL's) Entra tokens.</summary>
    public const string Scope = "https://ossrdbms-aad.database.windows.net/.default";

    // Azure.Identity caches the token and renews it well before it expires (a managed identity's
    // lives for hours), so asking every few minutes costs nothing and never hands out a stale one.
    private static readonly TimeSpan Renewal = TimeSpan.FromMinutes(5);

    // A failed attempt (identity endpoint not up yet) is tried again soon; connections opened
    // meanwhile fail with the credential's reason.
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    /// <summary>Makes connections of <paramref name="builder"/> sign in with tokens from <paramref name="credential"/>.</summary>
    public static NpgsqlDataSourceBuilder UseEntraSignIn(this NpgsqlDataSourceBuilder builder, TokenCredential credential) =>
        builder.UsePeriodicPasswordProvider(
            async (_, cancellationToken) => (await credential.GetTokenAsync(new TokenRequestContext([Scope]), cancellationToken).ConfigureAwait(false)).Token,
            Renewal,
            RetryAfterFailure);
}
