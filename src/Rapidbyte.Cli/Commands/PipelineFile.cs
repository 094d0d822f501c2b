using Rapidbyte.Grains.Runs;
using Rapidbyte.Runtime.Errors;
using Rapidbyte.Pipelines.Parsing;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// Reads the pipeline file a command names and checks its connector configs against each
/// connector's own config schema (every command does, before it connects or runs anything);
/// its problems go to stderr, one per line.
/// </summary>
internal static class PipelineFile
{
    /// <returns>The pipeline, or null when it is not valid (the errors are printed).</returns>
    public static async Task<(PipelineDefinition Definition, PipelineSpec Spec)?> LoadAsync(string path, ConnectorSession session, CancellationToken cancellationToken)
    {
        if (Load(path) is not { } loaded)
        {
            return null;
        }
        return await CheckConfigsAsync(path, loaded.Spec, session, cancellationToken) ? loaded : null;
    }

    /// <summary>Checks the connector configs of a pipeline <see cref="Load"/> read.</summary>
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
            Report(path, e);
            return false;
        }
        catch (ConnectorException e)
        {
            Console.Error.WriteLine($"{path}: the connector configs could not be checked: {e.Message}");
            return false;
        }
    }

    /// <summary>The spec alone, its connector configs unchecked: for commands that only read where its state is (status, serve).</summary>
    /// <returns>The pipeline, or null when it could not be read (the errors are printed).</returns>
    public static (PipelineDefinition Definition, PipelineSpec Spec)? Load(string path)
    {
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"{path}: no such file");
            return null;
        }
        try
        {
            return PipelineDefinitions.Load(path, Environment.GetEnvironmentVariable);
        }
        catch (PipelineSpecException e)
        {
            Report(path, e);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{path}: {e.Message}");
            return null;
        }
    }

    private static void Report(string path, PipelineSpecException e) => Report(path, e.Errors.Select(error => error.ToString()).ToList());

    /// <summary>Prints the file's problems (each located in it), then how many there were.</summary>
    public static void Report(string path, IReadOnlyCollection<string> problems)
    {
        foreach (var problem in problems)
        {
            Console.Error.WriteLine(problem);
        }
        Console.Error.WriteLine($"{path}: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}, nothing was run");
    }
}
