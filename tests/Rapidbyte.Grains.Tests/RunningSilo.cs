using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Rapidbyte.Grains.Tests;

/// <summary>A started silo host that a test stops (and disposes) with <c>await using</c>.</summary>
internal sealed class RunningSilo(IHost host) : IAsyncDisposable
{
    public IServiceProvider Services => host.Services;

    /// <summary>Builds and starts a silo configured by <paramref name="configure"/>.</summary>
    public static async Task<RunningSilo> StartAsync(Action<ISiloBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(configure);
        var host = builder.Build();
        await host.StartAsync();
        return new RunningSilo(host);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
