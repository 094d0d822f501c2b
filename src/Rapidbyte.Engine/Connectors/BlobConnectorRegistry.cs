using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Engine.Connectors;

/// <summary>
/// Connector modules published in an Azure Blob Storage container, the one place every silo
/// of a service takes them from.
/// <para>
/// Layout: each module once, under its digest (<c>modules/sha256/&lt;digest&gt;.wasm</c>), and one
/// manifest blob per published version (<c>manifests/&lt;name&gt;/&lt;version&gt;.json</c>, its digest
/// also in the blob's metadata so a listing needs one request). A version is written once
/// (a conditional create): publishing the same bytes again is a no-op, other bytes under a
/// published version are refused, and concurrent publishes of different versions touch
/// different blobs. The module is uploaded before its manifest, so a manifest never names a
/// module that is not whole. Whatever the container holds, a silo checks the bytes it
/// downloads against the digest before it compiles them (<see cref="ConnectorRegistry"/>).
/// </para>
/// </summary>
public sealed class BlobConnectorRegistry
{
    private const string ModulePrefix = "modules/sha256/";
    private const string ManifestPrefix = "manifests/";
    private const string DigestKey = "digest";
    private const string PublishedKey = "published";
    private const string SizeKey = "size";

    private readonly BlobContainerClient _container;

    /// <summary>A registry over <paramref name="container"/>.</summary>
    public BlobConnectorRegistry(BlobContainerClient container) => _container = container;

    /// <summary>
    /// A registry in container <paramref name="container"/> of the account <paramref name="account"/>
    /// names: an <c>https://</c> service URI, signed in with <paramref name="credential"/>
    /// (default: <see cref="DefaultAzureCredential"/>, a managed identity in Azure), or a
    /// connection string (Azurite, an account key).
    /// </summary>
    /// <exception cref="FormatException"><paramref name="account"/> is neither.</exception>
    public static BlobConnectorRegistry Create(string account, string container, TokenCredential? credential = null)
    {
        var options = new BlobClientOptions
        {
            // A silo waits on this before it is ready and before a run starts: fail within
            // seconds when the account is away (Azure's default retries take over a minute).
            Retry = { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2), NetworkTimeout = TimeSpan.FromSeconds(30) },
        };
        BlobServiceClient service;
        if (Uri.TryCreate(account, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            service = new BlobServiceClient(uri, credential ?? new DefaultAzureCredential(), options);
        }
        else
        {
            try
            {
                service = new BlobServiceClient(account, options);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                // The connection string holds the account key: never quoted.
                throw new FormatException("the connector registry is neither an https:// Blob service URI nor a valid storage connection string");
            }
        }
        return new BlobConnectorRegistry(service.GetBlobContainerClient(container));
    }

    /// <summary>The container, for messages (its URI holds no key).</summary>
    public string Location => new UriBuilder(_container.Uri) { Query = "" }.Uri.ToString();

    /// <summary>Creates the container if it does not exist yet.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await Guard(() => _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken), "create the container");

    /// <summary>
    /// Publishes <paramref name="module"/> as version <paramref name="version"/> of connector
    /// <paramref name="name"/>. Publishing the same bytes again returns what was published.
    /// </summary>
    /// <exception cref="ConnectorRegistryException">The version is published with other bytes, or the registry is unreachable.</exception>
    public async Task<PublishedConnector> PublishAsync(string name, string version, ReadOnlyMemory<byte> module, CancellationToken cancellationToken = default)
    {
        if (!ConnectorReference.IsName(name) || !ConnectorReference.IsVersion(version))
        {
            throw new ConnectorRegistryException($"'{name}@{version}' is not a connector name and version that can be published ({ConnectorReference.Forms})");
        }
        await EnsureCreatedAsync(cancellationToken);
        var digest = Convert.ToHexStringLower(SHA256.HashData(module.Span));
        var md5 = MD5.HashData(module.Span);
        var blob = _container.GetBlobClient(ModulePath(digest));
        // Content-addressed: if a blob of that name holds these bytes it stays; if it holds
        // anything else (a broken upload, tampering) it is replaced with the right bytes.
        var existing = await Guard(async () =>
        {
            try
            {
                return (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        }, $"read {ModulePath(digest)}");
        if (existing is null || existing.ContentLength != module.Length || existing.ContentHash is null || !existing.ContentHash.AsSpan().SequenceEqual(md5))
        {
            await Guard(() => blob.UploadAsync(BinaryData.FromBytes(module), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/wasm", ContentHash = md5 },
            }, cancellationToken), $"upload {ModulePath(digest)}");
        }

        var published = new PublishedConnector(name, version, digest, module.Length, DateTimeOffset.UtcNow);
        var manifest = _container.GetBlobClient(ManifestPath(name, version));
        try
        {
            await Guard(() => manifest.UploadAsync(BinaryData.FromObjectAsJson(published, ManifestJson), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                Metadata = new Dictionary<string, string>
                {
                    [DigestKey] = digest,
                    [SizeKey] = module.Length.ToString(CultureInfo.InvariantCulture),
                    [PublishedKey] = published.PublishedAt.ToString("O", CultureInfo.InvariantCulture),
                },
                // Versions are immutable: only the first publish of a version writes it.
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken), $"write {ManifestPath(name, version)}");
            return published;
        }
        catch (ConnectorRegistryException e) when (e.InnerException is RequestFailedException { Status: 409 or 412 })
        {
            var earlier = await ReadManifestAsync(name, version, cancellationToken)
                ?? throw new ConnectorRegistryException($"{name}@{version} is being published by someone else at this moment; try again");
            return earlier.Digest == digest
                ? earlier
                : throw new ConnectorRegistryException(
                    $"{name}@{version} is already published with sha256:{earlier.Digest}, and this module is sha256:{digest}: a published version never changes; publish it as a new version");
        }
    }

    /// <summary>Every published version (of connector <paramref name="name"/> only, if given), by name then newest version first.</summary>
    /// <exception cref="ConnectorRegistryException">The registry is unreachable.</exception>
    public async Task<IReadOnlyList<PublishedConnector>> ListAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        var prefix = name is null ? ManifestPrefix : $"{ManifestPrefix}{name}/";
        return await Guard(async () =>
        {
            var found = new List<PublishedConnector>();
            try
            {
                await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata, Prefix = prefix }, cancellationToken))
                {
                    if (FromListing(item) is { } connector)
                    {
                        found.Add(connector);
                    }
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // No container yet: nothing published.
            }
            return (IReadOnlyList<PublishedConnector>)found
                .OrderBy(c => c.Name, StringComparer.Ordinal)
                .ThenByDescending(c => c.Version, ConnectorVersionComparer.Instance)
                .ToList();
        }, "list the published connectors");
    }

    /// <summary>
    /// What <paramref name="reference"/> names: the version asked for, or the newest version of
    /// the name; null when nothing published matches. A reference by digest names a module
    /// published under any version of that name.
    /// </summary>
    /// <exception cref="ConnectorRegistryException">The registry is unreachable.</exception>
    public async Task<PublishedConnector?> ResolveAsync(ConnectorReference reference, CancellationToken cancellationToken = default)
    {
        if (reference.Version is { } version)
        {
            return await ReadManifestAsync(reference.Name, version, cancellationToken);
        }
        var versions = await ListAsync(reference.Name, cancellationToken);
        return reference.Digest is { } digest
            ? versions.FirstOrDefault(v => v.Digest == digest)
            : versions.FirstOrDefault();
    }

    /// <summary>The bytes stored under <paramref name="digest"/>, as they are (the caller checks them), or null if there are none.</summary>
    /// <exception cref="ConnectorRegistryException">The registry is unreachable.</exception>
    public async Task<byte[]?> DownloadAsync(string digest, CancellationToken cancellationToken = default) =>
        await Guard(async () =>
        {
            try
            {
                var content = await _container.GetBlobClient(ModulePath(digest)).DownloadContentAsync(cancellationToken);
                return content.Value.Content.ToArray();
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        }, $"download {ModulePath(digest)}");

    /// <summary>The blob a module of <paramref name="digest"/> is stored in.</summary>
    public static string ModulePath(string digest) => $"{ModulePrefix}{digest}.wasm";

    private static string ManifestPath(string name, string version) => $"{ManifestPrefix}{name}/{version}.json";

    private async Task<PublishedConnector?> ReadManifestAsync(string name, string version, CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            try
            {
                var content = await _container.GetBlobClient(ManifestPath(name, version)).DownloadContentAsync(cancellationToken);
                return content.Value.Content.ToObjectFromJson<PublishedConnector>(ManifestJson);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        }, $"read {ManifestPath(name, version)}");

    private static PublishedConnector? FromListing(BlobItem item)
    {
        // manifests/<name>/<version>.json
        var path = item.Name[ManifestPrefix.Length..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !path.EndsWith(".json", StringComparison.Ordinal) || !item.Metadata.TryGetValue(DigestKey, out var digest))
        {
            return null;
        }
        var published = item.Metadata.TryGetValue(PublishedKey, out var at) && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var when)
            ? when
            : item.Properties.CreatedOn ?? DateTimeOffset.MinValue;
        var size = item.Metadata.TryGetValue(SizeKey, out var bytes) && long.TryParse(bytes, CultureInfo.InvariantCulture, out var length) ? length : 0;
        return new PublishedConnector(path[..slash], path[(slash + 1)..^".json".Length], digest, size, published);
    }

    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    // Every failure to reach the account becomes one exception naming the registry and what was being done.
    private async Task<T> Guard<T>(Func<Task<T>> call, string doing)
    {
        try
        {
            return await call();
        }
        catch (RequestFailedException e)
        {
            throw new ConnectorRegistryException($"connector registry {Location}: could not {doing}: {e.Status} {e.ErrorCode ?? e.Message.Split('\n')[0]}", e,
                retryable: e.Status is 0 or 408 or 429 or >= 500);
        }
        catch (Exception e) when (e is AuthenticationFailedException or CredentialUnavailableException)
        {
            throw new ConnectorRegistryException($"connector registry {Location}: could not {doing}: signing in failed: {e.Message.Split('\n')[0]}", e, retryable: false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or AggregateException or TaskCanceledException && e is not OperationCanceledException { CancellationToken.IsCancellationRequested: true })
        {
            throw new ConnectorRegistryException($"connector registry {Location} is unreachable: could not {doing}: {Innermost(e).Message}", e, retryable: true);
        }
    }

    private async Task Guard(Func<Task> call, string doing) => await Guard(async () =>
    {
        await call();
        return true;
    }, doing);

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }
}
