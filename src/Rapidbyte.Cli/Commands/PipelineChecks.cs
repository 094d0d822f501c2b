using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Errors;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// Checks the connector configs of a pipeline file (<see cref="PipelineFile"/>) against each
/// connector's own config schema: every command does, before it connects or runs anything.
/// </summary>
internal static class PipelineChecks
{
    /// <returns>The pipeline, or null when it is not valid (the errors are printed).</returns>
    public static async Task<(PipelineDefinition Definition, PipelineSpec Spec)?> LoadAsync(string path, ConnectorSession session, CancellationToken cancellationToken)
    {
        if (PipelineFile.Load(path) is not { } loaded)
        {
            return null;
        }
        return await CheckConfigsAsync(path, loaded.Spec, session, cancellationToken) ? loaded : null;
    }

    /// <summary>Checks the connector configs of a pipeline <see cref="PipelineFile.Load"/> read.</summary>
    /// <returns>False when they are not valid (the errors are printed).</returns>
    public static async Task<bool> CheckConfigsAsync(string path, PipelineSpec spec, ConnectorSession session, CancellationToken cancellationToken)
    {
        try
        {
            await session.CheckConfigsAsync(spec, cancellationToken);
            return true;
        }
        catch (PipelineSpecException e)
        {
            PipelineFile.Report(path, e);
            return false;
        }
        catch (ConnectorException e)
        {
            Console.Error.WriteLine($"{path}: the connector configs could not be checked: {e.Message}");
            return false;
        }
    }
}
