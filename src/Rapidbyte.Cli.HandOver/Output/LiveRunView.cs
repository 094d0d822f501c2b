using System.Globalization;
using Rapidbyte.Grains.Runs;
using Spectre.Console;

namespace Rapidbyte.Cli.Output;

/// <summary>A terminal: a table of the streams redrawn in place while they move, then the final one.</summary>
internal sealed class LiveRunView : IRunView
{
    public TimeSpan RefreshInterval { get; } = TimeSpan.FromMilliseconds(500);

    public async Task<PipelineRunReport> FollowAsync(Func<Action<PipelineRunReport>, Task<PipelineRunReport>> watch)
    {
        PipelineRunReport? final = null;
        await AnsiConsole.Live(new Text("starting...")).AutoClear(true).StartAsync(async context =>
        {
            final = await watch(run =>
            {
                context.UpdateTarget(Table(run));
                context.Refresh();
            });
        });
        return final!;
    }

    public void Summarise(PipelineRunReport run)
    {
        AnsiConsole.Write(Table(run));
        foreach (var stream in run.Streams.Where(s => s.Error is not null))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{stream.Stream}[/]: {stream.Error}");
        }
        var colour = run.Status switch
        {
            RunStatus.Succeeded => "green",
            RunStatus.Cancelled => "yellow",
            _ => "red",
        };
        AnsiConsole.MarkupLineInterpolated(
            $"[{colour}]pipeline {run.Pipeline} {run.Status.ToName()}[/] in {Quantity.Seconds(run.Duration)}: {Quantity.Rows(run.Streams.Sum(s => s.RowsCommitted))} rows committed (run {run.RunId})");
    }

    private static Table Table(PipelineRunReport run)
    {
        // Narrow enough for an 80-column terminal.
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("stream").AddColumn("status").AddColumn(new TableColumn("read").RightAligned())
            .AddColumn(new TableColumn("written").RightAligned()).AddColumn(new TableColumn("MB").RightAligned())
            .AddColumn(new TableColumn("rows/s").RightAligned()).AddColumn(new TableColumn("time").RightAligned());
        foreach (var stream in run.Streams)
        {
            table.AddRow(
                Markup.Escape(stream.Stream),
                Status(stream),
                Quantity.Rows(stream.RowsRead),
                Quantity.Rows(stream.RowsWritten),
                (stream.Bytes / 1_048_576.0).ToString("F1", CultureInfo.InvariantCulture),
                stream.RowsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                Quantity.Seconds(stream.Duration));
        }
        return table;
    }

    private static string Status(StreamRunReport stream) => stream.Status switch
    {
        RunStatus.Succeeded => "[green]succeeded[/]",
        RunStatus.Failed => "[red]failed[/]",
        RunStatus.Cancelled => "[yellow]cancelled[/]",
        RunStatus.Retrying => $"[yellow]retrying ({stream.Attempts})[/]",
        _ => stream.Status.ToName(),
    };
}
