using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Rapidbyte.Runtime.Imports;

namespace Rapidbyte.Runtime.Modules;

/// <summary>
/// Compiles each module digest once per process and keeps the compiled code on disk, keyed
/// by digest and Wasmtime version, so a restart loads in milliseconds instead of compiling
/// for most of a second. A cache entry that cannot be used is compiled again and replaced.
/// </summary>
internal sealed class CompiledModuleCache(Wasmtime.Engine engine, string? directory, ILogger logger) : IDisposable
{
    // Compiled code is only valid for the Wasmtime build (and engine settings) that made it.
    private static readonly string CodeVersion =
        "wasmtime-" + (typeof(Wasmtime.Engine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(Wasmtime.Engine).Assembly.GetName().Version!.ToString()).Split('+')[0] + "-epoch";

    private readonly Dictionary<string, Wasmtime.Module> _loaded = new(StringComparer.Ordinal);
    // Compiles are rare and CPU-bound: one at a time keeps two requests for the same digest
    // from compiling it twice.
    private readonly Lock _gate = new();

    public (Wasmtime.Module Module, ModuleSource Source, TimeSpan Elapsed) GetOrCompile(string name, string digest, ReadOnlySpan<byte> wasm)
    {
        var started = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (_loaded.TryGetValue(digest, out var loaded))
            {
                return (loaded, ModuleSource.MemoryCache, Stopwatch.GetElapsedTime(started));
            }
            var module = Load(name, digest, wasm, out var source);
            _loaded.Add(digest, module);
            return (module, source, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// The compiled code of <paramref name="digest"/> if this process has it or its disk cache
    /// holds it, without the module's bytes: what lets a silo run a module it compiled before
    /// while the registry it came from is away.
    /// </summary>
    public (Wasmtime.Module Module, ModuleSource Source, TimeSpan Elapsed)? TryGetCompiled(string name, string digest)
    {
        var started = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (_loaded.TryGetValue(digest, out var loaded))
            {
                return (loaded, ModuleSource.MemoryCache, Stopwatch.GetElapsedTime(started));
            }
            if (FromDisk(name, digest) is not { } module)
            {
                return null;
            }
            _loaded.Add(digest, module);
            return (module, ModuleSource.DiskCache, Stopwatch.GetElapsedTime(started));
        }
    }

    private string? PathOf(string digest) => directory is null ? null : Path.Combine(directory, $"{digest}.{CodeVersion}.cwasm");

    private Wasmtime.Module? FromDisk(string name, string digest)
    {
        var path = PathOf(digest);
        if (path is not null && File.Exists(path))
        {
            try
            {
                return Wasmtime.Module.DeserializeFile(engine, name, path);
            }
            catch (Exception e) when (e is Wasmtime.WasmtimeException or IOException)
            {
                logger.LogCacheEntryRejected(path, e);
            }
        }
        return null;
    }

    private Wasmtime.Module Load(string name, string digest, ReadOnlySpan<byte> wasm, out ModuleSource source)
    {
        if (FromDisk(name, digest) is { } cached)
        {
            source = ModuleSource.DiskCache;
            return cached;
        }
        var path = PathOf(digest);
        source = ModuleSource.Compiled;
        var module = Wasmtime.Module.FromBytes(engine, name, wasm);
        if (path is not null)
        {
            Store(path, module.Serialize());
        }
        return module;
    }

    // Write to a temporary file and rename, so a concurrent reader never sees half a file. The
    // cache only saves time: a directory that cannot be written (a full disk, a path through a
    // file, no permission) is said in a warning and the module is used as compiled.
    private void Store(string path, byte[] compiled)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temporary, compiled);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogCacheNotWritten(path, e.Message);
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing was written, or it cannot be removed either; it is named .tmp and never read.
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var module in _loaded.Values)
            {
                module.Dispose();
            }
            _loaded.Clear();
        }
    }
}
