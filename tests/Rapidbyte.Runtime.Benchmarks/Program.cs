using Rapidbyte.Runtime.Benchmarks;

// Measurements behind the numbers in the issue notes; run from the repository root:
//   dotnet run -c Release --project tests/Rapidbyte.Runtime.Benchmarks -- [host-call|poll|module-load|idle [N]|all]
var command = args.Length > 0 ? args[0] : "all";
var guests = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000;
switch (command)
{
    case "host-call":
        HostCallBenchmark.Run();
        break;
    case "poll":
        await PollRoundTripBenchmark.RunAsync();
        break;
    case "module-load":
        ModuleLoadBenchmark.Run();
        break;
    case "idle":
        await IdleGuestsBenchmark.RunAsync(guests);
        break;
    case "all":
        HostCallBenchmark.Run();
        await PollRoundTripBenchmark.RunAsync();
        ModuleLoadBenchmark.Run();
        await IdleGuestsBenchmark.RunAsync(guests);
        break;
    default:
        Console.Error.WriteLine($"unknown benchmark '{command}': host-call, poll, module-load, idle [N], all");
        return 2;
}
return 0;
