using System.CommandLine;
using System.Runtime.InteropServices;
using Rapidbyte.Cli;
using Rapidbyte.Cli.Commands;
using Rapidbyte.Cli.Output;
using Rapidbyte.Cli.Silo;

// `run` with a local server up is handed over from here; everything else is the full command's.
if (args is not ["run", ..] || LocalServer.Find() is null)
{
    return FullCommand.Exec(args);
}
var line = new RunCommandLine();
line.Command.SetAction(async (parse, cancellationToken) =>
{
    var path = parse.GetRequiredValue(line.Pipeline);
    if (PipelineFile.Load(path) is not { } loaded)
    {
        return ExitCodes.InvalidInput;
    }
    return await line.TryHandOverAsync(parse, loaded, line.View(parse), cancellationToken)
        ?? FullCommand.Exec([.. args, RunCommandLine.EmbeddedOption]); // the server could not take it: run here
});
var parse = new RootCommand { line.Command }.Parse(args);
if (parse.Errors.Count > 0 || parse.Action != line.Command.Action || !line.MayHandOver(parse))
{
    // Its errors and help are the full command's to print, --embedded and --max-retries its to run.
    return FullCommand.Exec(args);
}
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });

namespace Rapidbyte.Cli
{
    /// <summary>The full <c>rapidbyte</c> command (.NET, with the embedded silo), installed beside this launcher.</summary>
    internal static partial class FullCommand
    {
        /// <summary>Replaces this process with the full command given <paramref name="arguments"/>; returns only if it could not.</summary>
        public static int Exec(string[] arguments)
        {
            var path = Path.Combine(AppContext.BaseDirectory, "rapidbyte");
            Console.Out.Flush();
            Console.Error.Flush();
            execv(path, [path, .. arguments, null]);
            Console.Error.WriteLine($"rapidbyte: cannot start {path}: {Marshal.GetLastPInvokeErrorMessage()}");
            return ExitCodes.Failed;
        }

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int execv(string path, string?[] argv);
    }
}
