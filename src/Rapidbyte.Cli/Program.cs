using System.CommandLine;
using Rapidbyte.Cli.Commands;

var root = new RootCommand("Rapidbyte: move data between databases with sandboxed connectors.")
{
    RunCommand.Create(),
    CheckCommand.Create(),
    DiscoverCommand.Create(),
    ValidateCommand.Create(),
    StatusCommand.Create(),
    PipelinesCommand.Create(),
    ServeCommand.Create(),
    ConnectorCommand.Create(),
};
// Ctrl-C cancels the command's token; a run then needs a moment to roll back and report.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
