// A service that runs a data sync after its own batch job: it triggers a registered pipeline
// through the Rapidbyte API, watches the run to its end, and logs the outcome.
//
//   dotnet run --project examples/sync-after-batch -- --Rapidbyte:Pipeline shop-to-warehouse
//
// Settings (command line, environment RAPIDBYTE__URL etc., or appsettings.json):
//   Rapidbyte:Url       the API (default http://127.0.0.1:8080/, scripts/silo.sh's silo)
//   Rapidbyte:Token     a bearer token (none for a development silo on loopback)
//   Rapidbyte:Pipeline  the registered pipeline to run (default shop-to-warehouse)
using SyncAfterBatch;

var builder = Host.CreateApplicationBuilder(args);
var settings = builder.Configuration.GetSection("Rapidbyte");
builder.Services.AddRapidbyteClient(options =>
{
    options.Endpoints.Add(new Uri(settings["Url"] ?? "http://127.0.0.1:8080/"));
    options.AccessToken = settings["Token"];
});
builder.Services.AddSingleton(new SyncRequest(settings["Pipeline"] ?? "shop-to-warehouse"));
builder.Services.AddHostedService<SyncWorker>();
var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;
