namespace Rapidbyte.Grains.Execution;

/// <summary>
/// The Blob Storage container connector modules are published to (settings
/// <c>Rapidbyte:Engine:Registry:*</c>). Unset, a silo runs the modules of
/// <see cref="PipelineEngineOptions.ConnectorsDirectory"/> only.
/// </summary>
public sealed class ConnectorRegistryOptions
{
    /// <summary>
    /// The Blob service, signed in with Azure.Identity's <c>DefaultAzureCredential</c> (in Azure, the
    /// app's managed identity; <c>AZURE_CLIENT_ID</c> picks a user-assigned one), e.g.
    /// <c>https://&lt;account&gt;.blob.core.windows.net</c>. Either this or <see cref="ConnectionString"/>.
    /// </summary>
    public string? ServiceUri { get; set; }

    /// <summary>A storage connection string (Azurite locally, an account key): a secret, never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The container the modules and manifests are in.</summary>
    public string Container { get; set; } = "connectors";

    /// <summary>Whether a registry is configured.</summary>
    public bool Configured => !string.IsNullOrWhiteSpace(ServiceUri) || !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>What <c>BlobConnectorRegistry.Create</c> takes: the URI or the connection string.</summary>
    public string? Account => !string.IsNullOrWhiteSpace(ServiceUri) ? ServiceUri : ConnectionString;
}
