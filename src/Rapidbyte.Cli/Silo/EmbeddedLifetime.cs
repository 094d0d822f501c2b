using Microsoft.Extensions.Hosting;

namespace Rapidbyte.Cli.Silo;

/// <summary>
/// A host lifetime that leaves Ctrl-C to the command: the default one would stop the silo
/// at once, while a run must first be cancelled cleanly and summarised.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
