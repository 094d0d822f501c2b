using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Modules;
using Rapidbyte.Testing;

namespace Rapidbyte.Runtime.Benchmarks;

/// <summary>Module load time: Cranelift compile vs the on-disk compiled-code cache vs the in-process cache.</summary>
internal static class ModuleLoadBenchmark
{
    private const int Rounds = 5;

    public static void Run()
    {
        Console.WriteLine($"## Module load ({Rounds} rounds, ms)");
        foreach (var path in Directory.GetFiles(RepositoryPaths.ConnectorsDirectory, "*.wasm").Order())
        {
            var wasm = File.ReadAllBytes(path);
            var name = Path.GetFileNameWithoutExtension(path);
            var cache = Directory.CreateTempSubdirectory("rapidbyte-bench-cache-").FullName;
            try
            {
                var compiled = Load(wasm, name, null, ModuleSource.Compiled);
                using (var warm = new ConnectorRuntime(new ConnectorRuntimeOptions { CompiledCacheDirectory = cache }))
                {
                    warm.LoadModule(name, wasm);
                }
                var disk = Load(wasm, name, cache, ModuleSource.DiskCache);
                using var runtime = new ConnectorRuntime();
                runtime.LoadModule(name, wasm);
                var memory = Measure.Rounds(Rounds, () => Expect(runtime.LoadModule(name, wasm), ModuleSource.MemoryCache));
                Console.WriteLine($"{name} ({wasm.Length / 1024} KiB): compile {Measure.Spread(compiled)}; disk cache {Measure.Spread(disk)}; in-process {Measure.Spread(memory)}");
            }
            finally
            {
                Directory.Delete(cache, recursive: true);
            }
        }
        Console.WriteLine();
    }

    private static double[] Load(byte[] wasm, string name, string? cache, ModuleSource expected)
    {
        var times = new double[Rounds];
        for (var i = 0; i < Rounds; i++)
        {
            using var runtime = new ConnectorRuntime(new ConnectorRuntimeOptions { CompiledCacheDirectory = cache });
            var module = runtime.LoadModule(name, wasm);
            Expect(module, expected);
            times[i] = module.LoadTime.TotalMilliseconds;
        }
        return times;
    }

    private static void Expect(ConnectorModule module, ModuleSource expected)
    {
        if (module.Source != expected)
        {
            throw new InvalidOperationException($"{module.Name} loaded from {module.Source}, expected {expected}");
        }
    }
}
