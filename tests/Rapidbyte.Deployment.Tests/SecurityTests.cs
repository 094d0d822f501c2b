using System.Text.RegularExpressions;
using Rapidbyte.Deployment.Tests.Arm;

namespace Rapidbyte.Deployment.Tests;

/// <summary>
/// What a security review of infra/ checks, on the compiled templates: no secret in a default or
/// an output, least-privilege role assignments, Entra-only database, key-less storage, an
/// internal environment.
/// </summary>
[Collection(CompiledInfrastructureCollection.Name)]
public sealed partial class SecurityTests(CompiledInfrastructure infra)
{
    private static readonly Dictionary<string, string> GrantedRoles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["7f951dda-4ed3-4680-a7ca-43fe172d538d"] = "AcrPull",
        ["2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"] = "Storage Blob Data Reader",
        ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = "Storage Blob Data Contributor",
        ["4633458b-17de-408a-b874-0445c86b69e6"] = "Key Vault Secrets User",
    };

    private static readonly Dictionary<string, string> BroadRoles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635"] = "Owner",
        ["b24988ac-6180-42a0-ab88-20f7382dd24c"] = "Contributor",
        ["18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"] = "User Access Administrator",
    };

    [Fact]
    public void NoSecureParameterHasADefault()
    {
        var defaulted = infra.AllTemplates()
            .SelectMany(t => t["parameters"]?.AsObject() ?? [])
            .Where(p => ((string?)p.Value!["type"])?.StartsWith("secure", StringComparison.OrdinalIgnoreCase) == true && p.Value!["defaultValue"] is not null)
            .Select(p => p.Key);
        Assert.Empty(defaulted);
    }

    [Fact]
    public void NoOutputCarriesASecret()
    {
        string[] secretNames = ["password", "secret", "connectionstring", "instrumentationkey", "accountkey", "sharedkey", "token", "credential"];
        string[] secretSources = ["listkeys", "listcredentials", "listsecrets", "connectionstring", "instrumentationkey", "sharedkey", "password"];
        foreach (var output in infra.AllTemplates().SelectMany(t => t["outputs"]?.AsObject() ?? []))
        {
            var name = output.Key.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
            var value = output.Value!.ToJsonString().ToLowerInvariant();
            Assert.False(secretNames.Any(word => name.Contains(word, StringComparison.Ordinal)), $"output {output.Key} is named like a secret");
            Assert.False(secretSources.Any(word => value.Contains(word, StringComparison.Ordinal)), $"output {output.Key} reads a secret: {value}");
            Assert.False(((string?)output.Value!["type"])?.StartsWith("secure", StringComparison.OrdinalIgnoreCase) == true, output.Key);
        }
    }

    [Fact]
    public void RoleAssignmentsGrantOnlyTheFourRolesEachOnOneResource()
    {
        var assignments = infra.ResourcesOfType("Microsoft.Authorization/roleAssignments").ToList();
        var granted = new List<string>();
        foreach (var (template, name, assignment) in assignments)
        {
            var definition = new TemplateScope(template, new Dictionary<string, object?>())
                .Evaluate(assignment["properties"]!["roleDefinitionId"], TemplateScope.Frame.Empty);
            var guid = Guid().Match(TemplateScope.Text(definition)).Value;
            Assert.False(BroadRoles.ContainsKey(guid), $"{name} grants {BroadRoles.GetValueOrDefault(guid)}");
            Assert.True(GrantedRoles.TryGetValue(guid, out var role), $"{name} grants role definition '{guid}', not one of {string.Join(", ", GrantedRoles.Values)}");
            granted.Add(role!);

            // On one resource, under a name that is the same at every deployment.
            Assert.False(string.IsNullOrEmpty((string?)assignment["scope"]), $"{name} has no resource scope");
            Assert.Contains("guid(", (string)assignment["name"]!, StringComparison.Ordinal);

            // Only the deployer may write blobs; only the silos' identity gets the others.
            var principal = assignment["properties"]!["principalId"]!.ToJsonString();
            Assert.Equal(role == "Storage Blob Data Contributor", principal.Contains("deployerPrincipalId", StringComparison.Ordinal));
        }
        Assert.Equal<string>(GrantedRoles.Values.Order(), granted.Order());
    }

    [Fact]
    public void PostgresAcceptsEntraSignInOnlyOverTheVnet()
    {
        var (_, _, server) = infra.ResourcesOfType("Microsoft.DBforPostgreSQL/flexibleServers").Single();
        var properties = server["properties"]!;
        Assert.Equal("Enabled", (string?)properties["authConfig"]!["activeDirectoryAuth"]);
        Assert.Equal("Disabled", (string?)properties["authConfig"]!["passwordAuth"]);
        Assert.Equal("Disabled", (string?)properties["network"]!["publicNetworkAccess"]);
        Assert.NotNull(properties["network"]!["delegatedSubnetResourceId"]);
        Assert.Null(properties["administratorLogin"]);
        Assert.Null(properties["administratorLoginPassword"]);

        var (_, _, administrator) = infra.ResourcesOfType("Microsoft.DBforPostgreSQL/flexibleServers/administrators").Single();
        Assert.Equal("ServicePrincipal", (string?)administrator["properties"]!["principalType"]);
        Assert.Single(infra.ResourcesOfType("Microsoft.DBforPostgreSQL/flexibleServers/databases"));
    }

    [Fact]
    public void StorageAcceptsNeitherSharedKeysNorAnonymousReads()
    {
        var (_, _, account) = infra.ResourcesOfType("Microsoft.Storage/storageAccounts").Single();
        var properties = account["properties"]!;
        Assert.False((bool)properties["allowSharedKeyAccess"]!);
        Assert.False((bool)properties["allowBlobPublicAccess"]!);
        Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
    }

    [Fact]
    public void TheContainerAppsEnvironmentIsInternalToTheVnet()
    {
        var (_, _, environment) = infra.ResourcesOfType("Microsoft.App/managedEnvironments").Single();
        var vnet = environment["properties"]!["vnetConfiguration"]!;
        Assert.True((bool)vnet["internal"]!);
        Assert.NotNull(vnet["infrastructureSubnetId"]);
    }

    [Fact]
    public void KeyVaultIsRbacAuthorizedAndPurgeProtected()
    {
        var (_, _, vault) = infra.ResourcesOfType("Microsoft.KeyVault/vaults").Single();
        var properties = vault["properties"]!;
        Assert.True((bool)properties["enableRbacAuthorization"]!);
        Assert.True((bool)properties["enableSoftDelete"]!);
        Assert.True((bool)properties["enablePurgeProtection"]!);
        Assert.Null(properties["accessPolicies"]);
    }

    [Fact]
    public void TheRegistryHasNoAdminUser()
    {
        var (_, _, registry) = infra.ResourcesOfType("Microsoft.ContainerRegistry/registries").Single();
        Assert.False((bool)registry["properties"]!["adminUserEnabled"]!);
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.IgnoreCase)]
    private static partial Regex Guid();
}
