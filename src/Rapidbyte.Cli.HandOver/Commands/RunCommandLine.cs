using System.CommandLine;
using Rapidbyte.Cli.Output;
using Rapidbyte.Grains.Runs;
using Rapidbyte.Pipelines.Spec;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// <c>rapidbyte run</c>'s arguments, and what it does first with them: hand the run to the
/// local server when one can take it. The command runs it here otherwise (an embedded silo);
/// the native launcher starts the command for that.
/// </summary>
internal sealed class RunCommandLine
{
    public Argument<string> Pipeline { get; } = CommonArguments.Pipeline();

    public Option<string[]> Stream { get; } = new("--stream", "-s") { Description = "Run only this stream (repeatable).", AllowMultipleArgumentsPerToken = false };

    public Option<bool> Json { get; } = CommonArguments.Json();

    public Option<bool> Verbose { get; } = CommonArguments.Verbose();

    public Option<int> MaxRetries { get; } = new("--max-retries") { Description = "Attempts after the first for a stream failing with a retryable error.", DefaultValueFactory = _ => 3 };

    public Option<bool> Embedded { get; } = new(EmbeddedOption) { Description = "Run on an embedded silo even when a local server (rapidbyte serve) could take the run." };

    public const string EmbeddedOption = "--embedded";

    public Command Command { get; }

    public RunCommandLine() => Command = new("run", "Run a pipeline once: on the local server (rapidbyte serve) when one is up and keeps state where the pipeline does, else on an embedded silo.")
    {
        Pipeline, Stream, Json, Verbose, MaxRetries, Embedded,
    };

    /// <summary>How the run is shown: one JSON object, a line per change when the output is not a terminal, else a live table.</summary>
    public IRunView View(ParseResult parse) =>
        parse.GetValue(Json) ? new JsonRunView()
        : Console.IsOutputRedirected ? new PlainRunView()
        : new LiveRunView();

    /// <summary>
    /// Whether the arguments let the run go to a local server: not <c>--embedded</c>, and no
    /// explicit <c>--max-retries</c> (a server runs with its own engine settings).
    /// </summary>
    public bool MayHandOver(ParseResult parse) => !parse.GetValue(Embedded) && parse.GetResult(MaxRetries) is null or { Implicit: true };

    /// <summary>The run handed to the local server and followed to its end, if one can take it.</summary>
    /// <returns>The run's exit code, or null: run it here.</returns>
    public async Task<int?> TryHandOverAsync(ParseResult parse, (PipelineDefinition Definition, PipelineSpec Spec) loaded, IRunView view, CancellationToken cancellationToken) =>
        MayHandOver(parse)
            ? await ServerRun.TryAsync(parse.GetRequiredValue(Pipeline), loaded, parse.GetValue(Stream), view, parse.GetValue(Verbose), cancellationToken)
            : null;
}
