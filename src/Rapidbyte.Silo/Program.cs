using Rapidbyte.Api;
using Rapidbyte.Grains.Composition;
using Rapidbyte.Silo;
using Rapidbyte.Silo.Health;

// The Rapidbyte service. Settings: appsettings.json, then environment variables
// (Rapidbyte__State__ConnectionString, ...), then the command line; see README "The service".
// Its own appsettings.json, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddSiloDefaults();
builder.UseOrleans(silo => silo.AddRapidbyte(builder.Configuration).AddSiloEgressPolicy());
builder.AddSiloTelemetry();
builder.Services.AddSiloHealthChecks();
builder.AddRapidbyteApi();

var app = builder.Build();
app.UseRapidbyteApi();
app.MapSiloHealthChecks();
return await SiloRunner.RunAsync(app);
