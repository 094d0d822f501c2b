using Rapidbyte.Grains.Composition;
using Rapidbyte.Silo;
using Rapidbyte.Silo.Health;

// The Rapidbyte service. Settings: appsettings.json, then environment variables
// (Rapidbyte__State__ConnectionString, ...), then the command line; see README "The service".
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSiloDefaults();
builder.UseOrleans(silo => silo.AddRapidbyte(builder.Configuration));
builder.AddSiloTelemetry();
builder.Services.AddSiloHealthChecks();

var app = builder.Build();
app.MapSiloHealthChecks();
return await SiloRunner.RunAsync(app);
