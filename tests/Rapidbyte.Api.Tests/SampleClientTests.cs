using System.Diagnostics;
using Rapidbyte.Testing;
using Rapidbyte.Testing.Pipelines;

namespace Rapidbyte.Api.Tests;

/// <summary>The sample client service in <c>examples/sync-after-batch</c>, run as its README says, against the cluster.</summary>
[Collection("api")]
public sealed class SampleClientTests(ApiCluster cluster) : IClassFixture<ApiCluster>
{
    [Fact]
    public async Task The_sample_service_triggers_a_registered_pipeline_watches_it_and_logs_the_outcome()
    {
        var admin = cluster.Client("platform", ApiCluster.Admin);
        await admin.RegisterPipelineAsync("nightly", cluster.Yaml("nightly", "- {name: items, sync_mode: full_refresh}", "replace"));

        var (exitCode, output) = await RunSampleAsync("nightly", cluster.Issuer.Issue("order-service", ApiCluster.Operator));
        var (refusedCode, refusedOutput) = await RunSampleAsync("nightly", cluster.Issuer.Issue("dashboard", ApiCluster.Reader));

        Assert.True(exitCode == 0, output);
        Assert.Matches(@"pipeline nightly: run [0-9a-f]{12} succeeded in", output);
        Assert.Contains("stream items: succeeded, 1000 rows committed", output);
        Assert.Equal(1000L, await cluster.Databases.ScalarAsync<long>(PipelineDatabases.Destination, "SELECT count(*) FROM items"));
        Assert.Equal(1, refusedCode);
        Assert.Contains("pipeline nightly: the API refused (403)", refusedOutput);
    }

    private async Task<(int ExitCode, string Output)> RunSampleAsync(string pipeline, string token)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var sample = Path.Combine(RepositoryPaths.Root, "examples", "sync-after-batch", "bin", output.Parent!.Name, output.Name, "sync-after-batch.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { sample, "--Rapidbyte:Url", $"http://127.0.0.1:{cluster.Silos[0].HttpPort}/", "--Rapidbyte:Pipeline", pipeline })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["RAPIDBYTE__TOKEN"] = token; // a token stays off the command line
        start.Environment["Logging__Console__FormatterName"] = "simple";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
