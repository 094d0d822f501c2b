using Microsoft.Extensions.Logging;
using Rapidbyte.Runtime.Lowering;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Testing;

namespace Rapidbyte.Runtime.Tests;

[Collection(RuntimeCollection.Name)]
public sealed class ModuleContractTests(RuntimeFixture fixture)
{
    [Fact]
    public void A_module_that_imports_wasi_sleep_is_refused_at_load()
    {
        var wasm = WatGuests.Module("(i32.const 0)",
            imports: """(import "wasi_snapshot_preview1" "poll_oneoff" (func (param i32 i32 i32 i32) (result i32)))""");

        var error = Assert.Throws<ConnectorException>(() => fixture.Runtime.LoadModule("sleepy", wasm));

        Assert.Equal(ConnectorFault.InvalidModule, error.Fault);
        Assert.Contains("poll_oneoff", error.Message);
    }

    [Fact]
    public void A_module_that_imports_an_unknown_host_function_is_refused_at_load()
    {
        var wasm = WatGuests.Module("(i32.const 0)", imports: """(import "rapidbyte" "open_file" (func (param i32 i32) (result i64)))""");

        var error = Assert.Throws<ConnectorException>(() => fixture.Runtime.LoadModule("greedy", wasm));

        Assert.Contains("rapidbyte.open_file", error.Message);
    }

    [Fact]
    public void A_module_missing_an_export_is_refused_with_its_name()
    {
        var wat = $$"""
            (module (memory (export "memory") 1)
              (func (export "rb_protocol_version") (result i32) (i32.const {{Abi.ProtocolVersion}})))
            """;

        var error = Assert.Throws<ConnectorException>(() => fixture.Runtime.LoadModule("partial", Wasmtime.Module.ConvertText(wat)));

        Assert.Equal(ConnectorFault.InvalidModule, error.Fault);
        Assert.Contains("does not export rb_start", error.Message);
        Assert.Contains("does not export rb_poll", error.Message);
    }

    [Fact]
    public void A_module_of_another_protocol_version_is_refused()
    {
        var wasm = WatGuests.Module("(i32.const 0)", protocolVersion: Abi.ProtocolVersion + 1);

        var error = Assert.Throws<ConnectorException>(() => fixture.Runtime.LoadModule("future", wasm));

        Assert.Contains($"protocol version {Abi.ProtocolVersion + 1}", error.Message);
        Assert.Contains("build it again with this release's rapidbyte-sdk", error.Message);
    }

    [Fact]
    public void A_module_whose_digest_differs_from_the_pinned_one_is_refused()
    {
        var wasm = WatGuests.Module("(i32.const 0)");

        var error = Assert.Throws<ConnectorException>(() => fixture.Runtime.LoadModule("pinned", wasm, expectedSha256: new string('0', 64)));

        Assert.Contains("refusing to load", error.Message);
    }

    [Fact]
    public async Task Compiled_code_is_cached_on_disk_and_reused_by_a_new_runtime()
    {
        var cache = Directory.CreateTempSubdirectory("rapidbyte-cache-").FullName;
        try
        {
            var wasm = File.ReadAllBytes(RepositoryPaths.Connector("test-connector"));
            using (var first = new Engine.ConnectorRuntime(new Engine.ConnectorRuntimeOptions { CompiledCacheDirectory = cache }))
            {
                Assert.Equal(Modules.ModuleSource.Compiled, first.LoadModule("test-connector", wasm).Source);
                Assert.Equal(Modules.ModuleSource.MemoryCache, first.LoadModule("test-connector", wasm).Source);
            }
            Assert.Single(Directory.GetFiles(cache, "*.cwasm"));

            using var second = new Engine.ConnectorRuntime(new Engine.ConnectorRuntimeOptions { CompiledCacheDirectory = cache });
            var module = second.LoadModule("test-connector", wasm);

            Assert.Equal(Modules.ModuleSource.DiskCache, module.Source);
            using var instance = second.CreateInstance(module);
            Assert.Equal("test-connector", (await instance.SpecAsync()).Name);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public void A_corrupt_cache_entry_is_compiled_again()
    {
        var cache = Directory.CreateTempSubdirectory("rapidbyte-cache-").FullName;
        try
        {
            var wasm = WatGuests.Module("(i32.const 0)");
            using (var first = new Engine.ConnectorRuntime(new Engine.ConnectorRuntimeOptions { CompiledCacheDirectory = cache }))
            {
                first.LoadModule("guest", wasm);
            }
            var entry = Assert.Single(Directory.GetFiles(cache, "*.cwasm"));
            File.WriteAllBytes(entry, [1, 2, 3]);

            using var second = new Engine.ConnectorRuntime(new Engine.ConnectorRuntimeOptions { CompiledCacheDirectory = cache });

            Assert.Equal(Modules.ModuleSource.Compiled, second.LoadModule("guest", wasm).Source);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public async Task A_cache_directory_that_cannot_be_written_is_said_in_a_warning_and_the_connector_still_runs()
    {
        // The cache path goes through a regular file: no directory can be made there.
        var file = Path.GetTempFileName();
        try
        {
            var logs = new CapturedLogs();
            using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs));
            var wasm = File.ReadAllBytes(RepositoryPaths.Connector("test-connector"));
            using var runtime = new Engine.ConnectorRuntime(new Engine.ConnectorRuntimeOptions { CompiledCacheDirectory = Path.Combine(file, "compiled") }, loggers);

            var module = runtime.LoadModule("test-connector", wasm);

            Assert.Equal(Modules.ModuleSource.Compiled, module.Source);
            using var instance = runtime.CreateInstance(module);
            Assert.Equal("test-connector", (await instance.SpecAsync()).Name);
            var warning = Assert.Single(logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal));
            Assert.Contains($"compiled-code cache entry {Path.Combine(file, "compiled")}", warning);
            Assert.Contains("could not be written", warning);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
