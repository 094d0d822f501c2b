using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rapidbyte.Contracts;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Modules;

namespace Rapidbyte.Engine.Connectors;

/// <summary>
/// Finds the connector a pipeline names (<c>use:</c> <c>source-postgres</c>,
/// <c>source-postgres@1.2.0</c> or <c>source-postgres@sha256:…</c>) and loads it through the
/// runtime: in the Blob registry when there is one, else in a directory of modules
/// (<c>source_postgres.wasm</c> or <c>source-postgres.wasm</c>: the CLI's, and a silo's bundled
/// fallback for connectors nobody published).
/// <para>
/// Each digest is fetched and compiled at most once per process, however many streams ask at
/// the same moment; a module compiled before (this process, or the disk cache of compiled
/// code) needs no download, so runs of pinned modules go on while the registry is away. Bytes
/// fetched are checked against their digest before anything compiles them.
/// </para>
/// </summary>
public sealed partial class ConnectorRegistry
{
    private readonly ConnectorRuntime _runtime;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task<ConnectorModule>>> _modules = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<ConnectorSpec>>> _specs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTime Written, long Length, string Digest)> _fileDigests = new(StringComparer.Ordinal);
    private long _downloads;

    /// <param name="runtime">Compiles and caches the modules.</param>
    /// <param name="directory">Modules by file name: the CLI's registry, and the fallback of a silo's.</param>
    /// <param name="blob">The published modules every silo of a service takes, if the service has a registry.</param>
    /// <param name="logger">Where downloads are logged.</param>
    public ConnectorRegistry(ConnectorRuntime runtime, string directory, BlobConnectorRegistry? blob = null, ILogger? logger = null)
    {
        _runtime = runtime;
        Directory = directory;
        Blob = blob;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The directory modules are looked up in.</summary>
    public string Directory { get; }

    /// <summary>The Blob registry, if any.</summary>
    public BlobConnectorRegistry? Blob { get; }

    /// <summary>Modules downloaded from the Blob registry by this process.</summary>
    public long Downloads => Interlocked.Read(ref _downloads);

    /// <summary>
    /// What <paramref name="use"/> names now: the connector, its version and its module's digest.
    /// A name or version is looked up in the Blob registry, and only when it has none of that
    /// name, in the directory; a digest is taken as it is (and checked when loaded).
    /// </summary>
    /// <exception cref="ConnectorNotFoundException">Nothing of that name (or version) is published or in the directory.</exception>
    /// <exception cref="ConnectorRegistryException">The Blob registry is unreachable.</exception>
    /// <exception cref="Runtime.Errors.ConnectorException">A module in the directory is not a connector.</exception>
    public async Task<PublishedConnector> ResolveAsync(string use, CancellationToken cancellationToken = default)
    {
        var reference = ConnectorReference.Parse(use);
        if (Blob is not null && await Blob.ResolveAsync(reference, cancellationToken) is { } published)
        {
            return published;
        }
        if (Blob is not null && reference.Digest is null && (await Blob.ListAsync(reference.Name, cancellationToken)).Count > 0)
        {
            // Published, but not that version: the directory's copy is not a stand-in for it.
            throw NotFound(reference);
        }
        string? file;
        string digest;
        if (reference.Digest is { } pinned)
        {
            digest = pinned;
            file = FileOf(pinned);
            if (file is null && _runtime.TryLoadCompiled(reference.Name, pinned) is null)
            {
                throw NotFound(reference);
            }
        }
        else
        {
            file = FileByName(reference.Name) ?? throw NotFound(reference);
            digest = DigestOf(file);
        }
        var module = await LoadAsync(reference.Name, digest, cancellationToken);
        var spec = await SpecOfAsync(module, cancellationToken);
        if (reference.Version is { } version && spec.Version != version)
        {
            throw NotFound(reference, $"{reference.Name} has version {spec.Version} there");
        }
        return new PublishedConnector(reference.Name, spec.Version, digest, file is null ? 0 : new FileInfo(file).Length,
            file is null ? DateTimeOffset.MinValue : File.GetLastWriteTimeUtc(file));
    }

    /// <summary>The module <paramref name="use"/> names, fetched, checked and compiled (each at most once per process).</summary>
    /// <exception cref="ConnectorNotFoundException">Nothing of that name, version or digest is published or in the directory.</exception>
    /// <exception cref="ConnectorRegistryException">The Blob registry is unreachable and the module is not compiled here yet.</exception>
    /// <exception cref="Runtime.Errors.ConnectorException">The bytes do not match the digest, or the module is not a connector.</exception>
    public async Task<ConnectorModule> LoadAsync(string use, CancellationToken cancellationToken = default)
    {
        var reference = ConnectorReference.Parse(use);
        if (reference.Digest is { } digest)
        {
            return await LoadAsync(reference.Name, digest, cancellationToken);
        }
        if (Blob is null && FileByName(reference.Name) is { } file && reference.Version is null)
        {
            // The CLI's common case: one file read, hashed once.
            return await LoadAsync(reference.Name, DigestOf(file), cancellationToken);
        }
        var resolved = await ResolveAsync(use, cancellationToken);
        return await LoadAsync(resolved.Name, resolved.Digest, cancellationToken);
    }

    /// <summary>The directory's module of connector <paramref name="name"/> (not the Blob registry's), checked and compiled.</summary>
    /// <exception cref="ConnectorNotFoundException">The directory has no module of that name.</exception>
    public async Task<ConnectorModule> LoadFileAsync(string name, CancellationToken cancellationToken = default)
    {
        var file = FileByName(name) ?? throw new ConnectorNotFoundException(name, Directory, Available());
        return await LoadAsync(name, DigestOf(file), cancellationToken);
    }

    /// <summary>The spec of <paramref name="module"/> (asked once per digest).</summary>
    /// <exception cref="Runtime.Errors.ConnectorException">The connector failed to answer.</exception>
    public Task<ConnectorSpec> SpecOfAsync(ConnectorModule module, CancellationToken cancellationToken = default) =>
        Once(_specs, module.Sha256, async () =>
        {
            using var instance = _runtime.CreateInstance(module);
            var spec = await instance.SpecAsync(CancellationToken.None);
            await instance.CloseAsync(CancellationToken.None);
            return spec;
        }).WaitAsync(cancellationToken);

    /// <summary>Connector names present in the directory, for messages.</summary>
    public IReadOnlyList<string> Available() =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.GetFiles(Directory, "*.wasm").Select(p => Path.GetFileNameWithoutExtension(p).Replace('_', '-')).Order().ToList()
            : [];

    private Task<ConnectorModule> LoadAsync(string name, string digest, CancellationToken cancellationToken) =>
        // Shared by every caller of the digest: no one caller's cancellation stops it (a
        // download is bounded by the registry client's own timeouts).
        Once(_modules, digest, () => Task.Run(() => FetchAndCompileAsync(name, digest, CancellationToken.None), CancellationToken.None))
            .WaitAsync(cancellationToken);

    private async Task<ConnectorModule> FetchAndCompileAsync(string name, string digest, CancellationToken cancellationToken)
    {
        if (_runtime.TryLoadCompiled(name, digest) is { } compiled)
        {
            return compiled;
        }
        // The directory first: a bundled module needs no download.
        byte[]? bytes = FileOf(digest) is { } file ? await File.ReadAllBytesAsync(file, cancellationToken) : null;
        if (bytes is null && Blob is not null)
        {
            var started = Stopwatch.GetTimestamp();
            bytes = await Blob.DownloadAsync(digest, cancellationToken);
            if (bytes is not null)
            {
                Interlocked.Increment(ref _downloads);
                LogDownloaded(_logger, name, digest, bytes.Length, Blob.Location, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        if (bytes is null)
        {
            throw NotFound(ConnectorReference.Pinned(name, digest));
        }
        // Checks the bytes against the digest before compiling: a changed blob is refused with both digests.
        return _runtime.LoadModule(name, bytes, digest);
    }

    // One task per key, shared by every caller; a failed one is forgotten so the next call tries again.
    private static Task<T> Once<T>(ConcurrentDictionary<string, Lazy<Task<T>>> tasks, string key, Func<Task<T>> start)
    {
        var lazy = tasks.GetOrAdd(key, _ => new Lazy<Task<T>>(start));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled)
        {
            tasks.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, lazy));
        }
        else if (!task.IsCompleted)
        {
            task.ContinueWith(t => tasks.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, lazy)),
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return task;
    }

    private string? FileByName(string name)
    {
        foreach (var candidate in new[] { name.Replace('-', '_'), name })
        {
            var path = Path.Combine(Directory, candidate + ".wasm");
            if (File.Exists(path))
            {
                return path;
            }
        }
        return null;
    }

    private string? FileOf(string digest) =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.GetFiles(Directory, "*.wasm").FirstOrDefault(path => DigestOf(path) == digest)
            : null;

    // Hashing a module takes milliseconds; a directory is looked through by digest rarely, but remember it anyway.
    private string DigestOf(string path)
    {
        var info = new FileInfo(path);
        if (_fileDigests.TryGetValue(path, out var known) && known.Written == info.LastWriteTimeUtc && known.Length == info.Length)
        {
            return known.Digest;
        }
        var digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        _fileDigests[path] = (info.LastWriteTimeUtc, info.Length, digest);
        return digest;
    }

    private ConnectorNotFoundException NotFound(ConnectorReference reference, string? detail = null) =>
        new(reference.ToString(), Blob is null ? Directory : $"{Blob.Location} or {Directory}", Available(), detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "connector {Connector}: downloaded sha256:{Digest} ({Bytes} bytes) from {Registry} in {Milliseconds:F0} ms")]
    private static partial void LogDownloaded(ILogger logger, string connector, string digest, int bytes, string registry, double milliseconds);
}
