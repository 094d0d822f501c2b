using Microsoft.Extensions.Hosting;

namespace Rapidbyte.Hosting.Tests;

/// <summary>A started silo host that a test stops (and disposes) with <c>await using</c>.</summary>
internal sealed class RunningSilo(IHost host) : IAsyncDisposable
{
    public IServiceProvider Services => host.Services;

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
