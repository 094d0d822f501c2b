using System.Globalization;
using Rapidbyte.Pipeline.Benchmarks;

// `rapidbyte run` PostgreSQL -> PostgreSQL next to PostgreSQL's own binary COPY piped between
// two psql processes, and pgloader, on the same tables of one throwaway server. From the
// repository root (README.md next to this file says what is measured and how):
//   dotnet run -c Release --project tests/Rapidbyte.Pipeline.Benchmarks -- --rows 1000000 --rounds 3
//   dotnet run -c Release --project tests/Rapidbyte.Pipeline.Benchmarks -- --smoke
// With --schedules, schedules on silo processes instead: fire lag, idle CPU of scheduled pipelines.
// With --registry, a silo's time to ready with connectors from a Blob registry, cold and warm.
// With --image, the container image: size, time to ready cold and with a cache volume, throughput beside the CLI.
// With --api, the HTTP API on a silo process: trigger -> first batch, reads under load, runs handed to `rapidbyte serve`.
// Reports and pipeline files read the same on every machine: 1,234.5, not 1.234,5.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"{e.Message}\n\n{BenchmarkOptions.Usage}");
    return 2;
}
if (options.ShowHelp)
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // stop the running child and clean up (the server, the temporary files) instead of dying
    cancellation.Cancel();
};
try
{
    await (options.Image ? ImageBenchmark.RunAsync(options, cancellation.Token)
        : options.Registry ? RegistryBenchmark.RunAsync(options, cancellation.Token)
        : options.Api ? ApiBenchmark.RunAsync(options, cancellation.Token)
        : options.Schedules ? ScheduleBenchmark.RunAsync(options, cancellation.Token)
        : PipelineBenchmark.RunAsync(options, cancellation.Token));
    return 0;
}
catch (BenchmarkFailure e)
{
    Console.Error.WriteLine(e.Message);
    Console.WriteLine($"{options.Title}: FAILED: {e.Message.Split('\n')[0]}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.WriteLine($"{options.Title}: cancelled");
    return 130;
}
catch (Exception e)
{
    // Still one final line for CI, after the whole story on stderr.
    Console.Error.WriteLine(e);
    Console.WriteLine($"{options.Title}: FAILED: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    return 1;
}
