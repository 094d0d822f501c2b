using Rapidbyte.Deployment.Tests.Arm;

namespace Rapidbyte.Deployment.Tests;

/// <summary>
/// Orleans' topology on Container Apps, checked on the silo apps main.bicep really deploys for a
/// given silo count: one single-replica app per silo, its own port pair on the environment's
/// static IP, probes, a grace period the host's shutdown fits in, secrets only by reference.
/// </summary>
[Collection(CompiledInfrastructureCollection.Name)]
public sealed class SiloTopologyTests(CompiledInfrastructure infra)
{
    public const string SiloImage = "crexample.azurecr.io/rapidbyte/silo-dev:azd-deploy-1";

    /// <summary>Parameter values as azd would pass them (siloImage once azd has pushed one).</summary>
    public static Dictionary<string, object?> Parameters(long siloCount, string siloImage = SiloImage, string pipelineSecretNames = "") =>
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["environmentName"] = "dev",
            ["location"] = "westeurope",
            ["apiAudience"] = "api://rapidbyte",
            ["siloCount"] = siloCount,
            ["siloImage"] = siloImage,
            ["pipelineSecretNames"] = pipelineSecretNames,
        };

    private long MaxSiloCount => (long)infra.Template["parameters"]!["siloCount"]!["maxValue"]!;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EverySiloIsItsOwnAppWithExactlyOneReplica(long siloCount)
    {
        var apps = infra.SiloApps(Parameters(siloCount));

        Assert.Equal(siloCount, apps.Count);
        Assert.Distinct(apps.Select(a => a.Name));
        Assert.All(apps, app =>
        {
            var scale = SiloApp.Map(app.Template["scale"]);
            Assert.Equal(1L, scale["minReplicas"]);
            Assert.Equal(1L, scale["maxReplicas"]);
        });
    }

    [Fact]
    public void TheDefaultIsTwoSilosAndAtLeastOneIsRequired()
    {
        var siloCount = infra.Template["parameters"]!["siloCount"]!;
        Assert.Equal(2L, (long)siloCount["defaultValue"]!);
        Assert.Equal(1L, (long)siloCount["minValue"]!);
    }

    [Fact]
    public void SilosAreReplacedOneAtATime()
    {
        var (_, module) = infra.ModuleDeclaring("Microsoft.App/containerApps");
        Assert.Equal("serial", (string?)module["copy"]!["mode"]);
        Assert.Equal(1L, (long)module["copy"]!["batchSize"]!);
    }

    [Fact]
    public void SiloAndGatewayPortsAreDistinctAcrossAppsUpToTheLargestSiloCount()
    {
        var apps = infra.SiloApps(Parameters(MaxSiloCount));

        var ports = apps.SelectMany(a => new[] { Port(a, "Rapidbyte__Cluster__SiloPort"), Port(a, "Rapidbyte__Cluster__GatewayPort") }).ToList();
        Assert.Equal(2 * apps.Count, ports.Count);
        Assert.Distinct(ports);
        // 36985 is reserved by Container Apps; 8080 is every silo's HTTP port.
        Assert.DoesNotContain(36985L, ports);
        Assert.DoesNotContain(8080L, ports);
    }

    [Fact]
    public void EachSiloExposesTheTcpPortsItListensOnOnlyInsideTheEnvironment()
    {
        Assert.All(infra.SiloApps(Parameters(3)), app =>
        {
            var mappings = SiloApp.List(app.Ingress["additionalPortMappings"]).Select(SiloApp.Map).ToList();
            long[] listening = [Port(app, "Rapidbyte__Cluster__SiloPort"), Port(app, "Rapidbyte__Cluster__GatewayPort")];
            Assert.Equal<long>(listening.Order(), mappings.Select(m => (long)m["targetPort"]!).Order());
            Assert.All(mappings, m =>
            {
                Assert.Equal(m["targetPort"], m["exposedPort"]);
                Assert.Equal(false, m["external"]);
            });
            Assert.Equal(app.Parameters["siloPort"], Port(app, "Rapidbyte__Cluster__SiloPort"));
            Assert.Equal(app.Parameters["gatewayPort"], Port(app, "Rapidbyte__Cluster__GatewayPort"));
        });
    }

    [Fact]
    public void EachSiloAdvertisesTheEnvironmentsStaticIp()
    {
        // The environment module's output staticIp is its managed environment's own property.
        const string type = "Microsoft.App/managedEnvironments";
        var (moduleName, _) = infra.ModuleDeclaring(type);
        var module = Assert.Single(infra.ModuleInstances(type, Parameters(2)));
        var environment = CompiledInfrastructure.Resources(module.Template).Single(r => (string?)r.Resource["type"] == type).Resource;
        var name = module.Evaluate(environment["name"], TemplateScope.Frame.Empty);
        var staticIp = module.Evaluate(module.Template["outputs"]!["staticIp"]!["value"], TemplateScope.Frame.Empty);
        Assert.Equal(new Deferred($"reference(resourceId('{type}', {TemplateScope.Render(name)}), '{environment["apiVersion"]}').staticIp"), staticIp);

        Assert.All(infra.SiloApps(Parameters(2)), app =>
            Assert.Equal(new Deferred($"reference('{moduleName}').outputs.staticIp.value"), app.Variable("Rapidbyte__Cluster__AdvertisedAddress")["value"]));
    }

    [Fact]
    public void ProbesWaitForReadinessAtStartAndCheckLivenessWithoutStorage()
    {
        Assert.All(infra.SiloApps(Parameters(2)), app =>
        {
            var probes = app.Probes.ToDictionary(p => (string)p["type"]!);
            Assert.Equal<string>(new[] { "Liveness", "Readiness", "Startup" }, probes.Keys.Order());
            Assert.Equal("/health/ready", Path(probes["Startup"]));
            Assert.Equal("/health/ready", Path(probes["Readiness"]));
            Assert.Equal("/health/live", Path(probes["Liveness"]));
            Assert.All(probes.Values, p => Assert.Equal(app.Ingress["targetPort"], SiloApp.Map(p["httpGet"])["port"]));
            // Connectors compile before the silo is ready: the startup probe waits minutes, not seconds.
            var startup = probes["Startup"];
            Assert.True((long)startup["periodSeconds"]! * (long)startup["failureThreshold"]! >= 120);
            Assert.Equal(TemplateScope.Text(app.Ingress["targetPort"]), app.Variable("ASPNETCORE_HTTP_PORTS")["value"]);
        });

        static string? Path(IDictionary<string, object?> probe) => (string?)SiloApp.Map(probe["httpGet"])["path"];
    }

    [Fact]
    public void TheStandInImageRunsOnlyUntilAzdHasPushedTheSiloImage()
    {
        var before = infra.SiloApps(Parameters(2, siloImage: ""));
        Assert.All(before, app =>
        {
            Assert.StartsWith("mcr.microsoft.com/", (string)app.Container["image"]!);
            Assert.Empty(app.Probes);
        });

        Assert.All(infra.SiloApps(Parameters(2)), app => Assert.Equal(SiloImage, app.Container["image"]));
    }

    [Fact]
    public void TheGracePeriodOutlastsTheHostsShutdownTimeout()
    {
        // .NET's host gives a stopping silo 30 s; Container Apps' default grace period is also 30 s.
        Assert.All(infra.SiloApps(Parameters(2)), app => Assert.True((long)app.Template["terminationGracePeriodSeconds"]! > 30));
        Assert.True((long)infra.Template["parameters"]!["siloTerminationGracePeriodSeconds"]!["minValue"]! > 30);
    }

    [Fact]
    public void SilosGetTheSettingsTheSiloReads()
    {
        Assert.All(infra.SiloApps(Parameters(2)), app =>
        {
            string[] names =
            [
                "Rapidbyte__Cluster__ClusterId", "Rapidbyte__Cluster__SiloPort", "Rapidbyte__Cluster__GatewayPort",
                "Rapidbyte__Cluster__AdvertisedAddress", "Rapidbyte__State__ConnectionString", "Rapidbyte__State__Authentication",
                "AZURE_CLIENT_ID", "Rapidbyte__Engine__Registry__ServiceUri", "Rapidbyte__Engine__Registry__Container",
                "Rapidbyte__Api__Authentication__Authority", "Rapidbyte__Api__Authentication__Audience",
                "APPLICATIONINSIGHTS_CONNECTION_STRING", "ASPNETCORE_HTTP_PORTS",
            ];
            Assert.Equal<string>(names.Order(), app.Env.Select(e => (string)e["name"]!).Order());
            Assert.Equal("Entra", app.Variable("Rapidbyte__State__Authentication")["value"]);
            Assert.Equal("api://rapidbyte", app.Variable("Rapidbyte__Api__Authentication__Audience")["value"]);
            Assert.Equal(app.Parameters["identityClientId"], app.Variable("AZURE_CLIENT_ID")["value"]);
            Assert.Equal(app.Parameters["connectorRegistryUri"], app.Variable("Rapidbyte__Engine__Registry__ServiceUri")["value"]);
            var state = TemplateScope.Text(app.Variable("Rapidbyte__State__ConnectionString")["value"]);
            Assert.Contains("SSL Mode=VerifyFull", state);
            Assert.DoesNotContain("password", state, StringComparison.OrdinalIgnoreCase);
            // The default issuer is this tenant's Entra ID v2.0 endpoint.
            Assert.Equal(new Deferred("{environment().authentication.loginEndpoint}{tenant().tenantId}/v2.0"), app.Variable("Rapidbyte__Api__Authentication__Authority")["value"]);
        });
    }

    [Fact]
    public void SecretLookingVariablesComeFromSecretsNeverFromPlainValues()
    {
        Assert.All(infra.SiloApps(Parameters(2, pipelineSecretNames: "shop-password, warehouse-api-key")), app =>
        {
            var secrets = app.Secrets.ToDictionary(s => (string)s["name"]!);
            foreach (var variable in app.Env)
            {
                var name = (string)variable["name"]!;
                if (variable.TryGetValue("secretRef", out var reference))
                {
                    Assert.Contains((string)reference!, secrets.Keys);
                    Assert.False(variable.ContainsKey("value"), name);
                }
                else if (LooksSecret(name) && name != "Rapidbyte__State__ConnectionString")
                {
                    Assert.Fail($"{app.Name}: {name} is a plain value; secrets go in through secretRef");
                }
            }
            // A secret's value is a Key Vault reference or read from a resource, never written in the template.
            Assert.All(secrets.Values, s => Assert.True(
                s.ContainsKey("keyVaultUrl") ? !s.ContainsKey("value") : s["value"] is Deferred,
                $"{app.Name}: secret {s["name"]} holds a literal"));
        });

        static bool LooksSecret(string name) =>
            new[] { "PASSWORD", "SECRET", "KEY", "CONNECTIONSTRING", "CONNECTION_STRING", "TOKEN" }
                .Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void PipelineSecretsAreKeyVaultReferencesReadWithTheSilosIdentity()
    {
        Assert.All(infra.SiloApps(Parameters(2, pipelineSecretNames: "shop-password, warehouse-api-key")), app =>
        {
            foreach (var (secretName, variable) in new[] { ("shop-password", "RAPIDBYTE_SHOP_PASSWORD"), ("warehouse-api-key", "RAPIDBYTE_WAREHOUSE_API_KEY") })
            {
                var secret = app.Secrets.Single(s => (string?)s["name"] == (string?)app.Variable(variable)["secretRef"]);
                Assert.EndsWith($"}}secrets/{secretName}", TemplateScope.Text(secret["keyVaultUrl"]));
                Assert.Equal(app.Parameters["identityId"], secret["identity"]);
            }
        });

        Assert.All(infra.SiloApps(Parameters(2)), app =>
            Assert.DoesNotContain(app.Env, e => ((string)e["name"]!).StartsWith("RAPIDBYTE_", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheApiIsServedOverHttpsAndImagesArePulledWithTheIdentity()
    {
        Assert.All(infra.SiloApps(Parameters(2)), app =>
        {
            Assert.Equal(false, app.Ingress["allowInsecure"]);
            Assert.Equal(8080L, app.Ingress["targetPort"]);
            var registry = SiloApp.Map(SiloApp.List(SiloApp.Map(app.Properties["configuration"])["registries"]).Single());
            Assert.Equal(app.Parameters["identityId"], registry["identity"]);
            Assert.False(registry.ContainsKey("passwordSecretRef"));
        });
    }

    private static long Port(SiloApp app, string variable) => TemplateScope.ToLong(app.Variable(variable)["value"]);
}
