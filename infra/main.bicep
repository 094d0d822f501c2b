// Rapidbyte on Azure Container Apps, following Orleans' documented topology: an internal,
// VNet-integrated environment; one single-replica Container App per silo, each with its own
// silo/gateway port pair on the environment's static IP; state in PostgreSQL (Entra sign-in
// only); connector modules in Blob Storage; pipelines' secrets in Key Vault.
//
// Subscription scope, as azd templates are: the deployment owns its resource group, and
// `azd down` removes everything with it.
targetScope = 'subscription'

@minLength(1)
@maxLength(48)
@description('azd environment name (AZURE_ENV_NAME): names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Azure region of every resource (AZURE_LOCATION).')
param location string

@description('Object id of whoever runs azd (AZURE_PRINCIPAL_ID), granted Storage Blob Data Contributor on the connector container to publish connectors; empty grants nothing.')
param principalId string = ''

@description('Kind of principal principalId is: User for a person, ServicePrincipal for a CI identity.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Silo image azd built and pushed (SERVICE_SILO_IMAGE_NAME). Empty before the first azd deploy: the silo apps then run a stand-in image so they exist for azd to deploy to.')
param siloImage string = ''

@minValue(1)
@maxValue(100)
@description('Number of silos, each its own single-replica Container App. 1 works; 2 or more survive the loss of one.')
param siloCount int = 2

@allowed([
  '0.25'
  '0.5'
  '0.75'
  '1'
  '1.25'
  '1.5'
  '1.75'
  '2'
  '3'
  '4'
])
@description('vCPU per silo, as a string (a Consumption workload-profile size).')
param siloCpu string = '0.5'

@description('Memory per silo; Consumption needs twice the vCPU in GiB (1Gi for 0.5 vCPU).')
param siloMemory string = '1Gi'

@minValue(31)
@maxValue(600)
@description('Seconds between SIGTERM and SIGKILL of a silo. The host stops within .NET\'s default 30 s shutdown timeout (a drain hands runs over in about 2 s); anything at or under 30 s risks a SIGKILL mid-leave.')
param siloTerminationGracePeriodSeconds int = 90

@description('Orleans cluster id the silos join.')
param clusterId string = 'rapidbyte'

@description('OpenID Connect issuer of the API\'s bearer tokens; empty means this tenant\'s Microsoft Entra ID v2.0 issuer.')
param apiAuthority string = ''

@minLength(1)
@description('Audience the API\'s tokens must carry: the Entra app registration\'s application ID URI (api://...) or client id. Set with `azd env set RAPIDBYTE_API_AUDIENCE ...`.')
param apiAudience string

@description('Comma-separated Key Vault secret names pipelines may use, e.g. \'shop-password,warehouse-password\': each becomes RAPIDBYTE_SHOP_PASSWORD (and so on) on every silo, read from Key Vault. A string, not an array, so `azd env set` can carry it.')
param pipelineSecretNames string = ''

@allowed([
  '15'
  '16'
])
@description('PostgreSQL major version of the state database.')
param postgresVersion string = '16'

@description('Compute SKU of the state database.')
param postgresSkuName string = 'Standard_B1ms'

@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
@description('Compute tier of postgresSkuName.')
param postgresSkuTier string = 'Burstable'

@minValue(32)
@description('Storage of the state database in GiB.')
param postgresStorageSizeGB int = 32

@minValue(7)
@maxValue(35)
@description('Days of point-in-time backups of the state database.')
param postgresBackupRetentionDays int = 7

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
@description('Container registry SKU.')
param registrySku string = 'Basic'

@minValue(30)
@maxValue(730)
@description('Days Log Analytics keeps logs.')
param logRetentionInDays int = 30

@description('Address space of the virtual network.')
param virtualNetworkAddressPrefix string = '10.40.0.0/16'

@description('Subnet of the Container Apps environment (at least a /27).')
param containerAppsSubnetPrefix string = '10.40.0.0/23'

@description('Subnet of the PostgreSQL flexible server.')
param postgresSubnetPrefix string = '10.40.2.0/24'

@description('Blob container the connector modules are published to.')
param connectorContainerName string = 'connectors'

// An empty value from azd's parameters file means "not set": these two are derived here, so
// the parameters file can pass its variables through unconditionally.
var apiIssuer = empty(apiAuthority) ? '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0' : apiAuthority
var pipelineSecrets = map(filter(split(pipelineSecretNames, ','), name => !empty(trim(name))), name => trim(name))

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
// Names other modules look resources up by are fixed here, not read from module outputs, so
// what-if can predict every resource name (dependsOn keeps the order instead).
var siloIdentityName = 'id-silo-${resourceToken}'
var workspaceName = 'log-${resourceToken}'
var applicationInsightsName = 'appi-${resourceToken}'
var tags = {
  'azd-env-name': environmentName
}

// Silo i listens on siloPortBase + i and gatewayPortBase + i. The ranges cannot meet for any
// allowed siloCount, and stay clear of 36985 (reserved by Container Apps).
var siloPortBase = 11111
var gatewayPortBase = 30000

// Stands in until azd has pushed the silo image; ASP.NET Core's sample listens on 8080 like the silo.
var standInImage = 'mcr.microsoft.com/dotnet/samples:aspnetapp'

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  scope: resourceGroup
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: workspaceName
    applicationInsightsName: applicationInsightsName
    retentionInDays: logRetentionInDays
  }
}

module network 'modules/network.bicep' = {
  scope: resourceGroup
  name: 'network'
  params: {
    location: location
    tags: tags
    virtualNetworkName: 'vnet-${resourceToken}'
    addressPrefix: virtualNetworkAddressPrefix
    containerAppsSubnetPrefix: containerAppsSubnetPrefix
    postgresSubnetPrefix: postgresSubnetPrefix
    postgresDnsZoneName: '${resourceToken}.private.postgres.database.azure.com'
  }
}

module identity 'modules/identity.bicep' = {
  scope: resourceGroup
  name: 'identity'
  params: {
    location: location
    tags: tags
    identityName: siloIdentityName
  }
}

module registry 'modules/registry.bicep' = {
  scope: resourceGroup
  name: 'registry'
  params: {
    location: location
    tags: tags
    registryName: 'cr${resourceToken}'
    sku: registrySku
    siloIdentityName: siloIdentityName
  }
  dependsOn: [
    identity
  ]
}

module storage 'modules/storage.bicep' = {
  scope: resourceGroup
  name: 'storage'
  params: {
    location: location
    tags: tags
    storageAccountName: 'st${resourceToken}'
    connectorContainerName: connectorContainerName
    siloIdentityName: siloIdentityName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
  dependsOn: [
    identity
  ]
}

module keyVault 'modules/keyvault.bicep' = {
  scope: resourceGroup
  name: 'keyvault'
  params: {
    location: location
    tags: tags
    keyVaultName: 'kv-${resourceToken}'
    siloIdentityName: siloIdentityName
  }
  dependsOn: [
    identity
  ]
}

module postgres 'modules/postgres.bicep' = {
  scope: resourceGroup
  name: 'postgres'
  params: {
    location: location
    tags: tags
    serverName: 'psql-${resourceToken}'
    version: postgresVersion
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageSizeGB
    backupRetentionDays: postgresBackupRetentionDays
    subnetId: network.outputs.postgresSubnetId
    // The zone's VNet link must exist before the server, or its name never resolves in the VNet.
    privateDnsZoneId: network.outputs.postgresDnsZoneId
    databaseName: 'rapidbyte'
    administratorPrincipalId: identity.outputs.principalId
    administratorName: identity.outputs.name
  }
}

module containerAppsEnvironment 'modules/environment.bicep' = {
  scope: resourceGroup
  name: 'environment'
  params: {
    location: location
    tags: tags
    environmentName: 'cae-${resourceToken}'
    subnetId: network.outputs.containerAppsSubnetId
    workspaceName: workspaceName
  }
  dependsOn: [
    monitoring
  ]
}

// Every silo runs the same image: azd deploy pushes it and patches silo 0 (the one app tagged
// for the service), then the silo service's postdeploy hook runs azd provision, which hands the
// new SERVICE_SILO_IMAGE_NAME to every silo here. The registry and key vault modules finish
// (role assignments included) before any silo, so its first pull and secret reads are allowed.
// One silo at a time: a new revision replaces a silo only after the previous one is up again,
// so an image or settings change never takes the whole cluster down at once.
@batchSize(1)
module silos 'modules/silo.bicep' = [
  for i in range(0, siloCount): {
    scope: resourceGroup
    name: 'silo-${i}'
    params: {
      location: location
      tags: i == 0 ? union(tags, { 'azd-service-name': 'silo' }) : tags
      appName: 'silo-${i}'
      environmentId: containerAppsEnvironment.outputs.id
      environmentStaticIp: containerAppsEnvironment.outputs.staticIp
      image: empty(siloImage) ? standInImage : siloImage
      isSiloImage: !empty(siloImage)
      siloPort: siloPortBase + i
      gatewayPort: gatewayPortBase + i
      clusterId: clusterId
      identityId: identity.outputs.id
      identityClientId: identity.outputs.clientId
      identityName: identity.outputs.name
      registryServer: registry.outputs.loginServer
      postgresHost: postgres.outputs.fullyQualifiedDomainName
      databaseName: postgres.outputs.databaseName
      connectorRegistryUri: storage.outputs.blobEndpoint
      connectorContainerName: storage.outputs.connectorContainerName
      apiAuthority: apiIssuer
      apiAudience: apiAudience
      applicationInsightsName: applicationInsightsName
      keyVaultUri: keyVault.outputs.uri
      pipelineSecretNames: pipelineSecrets
      cpu: siloCpu
      memory: siloMemory
      terminationGracePeriodSeconds: siloTerminationGracePeriodSeconds
    }
  }
]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_STATIC_IP string = containerAppsEnvironment.outputs.staticIp
output AZURE_CONNECTOR_REGISTRY_URI string = storage.outputs.blobEndpoint
output AZURE_CONNECTOR_CONTAINER string = storage.outputs.connectorContainerName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_SILO_IDENTITY_NAME string = identity.outputs.name
output AZURE_SILO_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_POSTGRES_HOST string = postgres.outputs.fullyQualifiedDomainName
output AZURE_POSTGRES_DATABASE string = postgres.outputs.databaseName
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = workspaceName
output AZURE_APPLICATION_INSIGHTS_NAME string = applicationInsightsName
// Reachable from the VNet only (internal environment); each silo serves the whole API.
output RAPIDBYTE_API_URLS string[] = [for i in range(0, siloCount): 'https://${silos[i].outputs.fqdn}']
output RAPIDBYTE_SILO_APPS string[] = [for i in range(0, siloCount): silos[i].outputs.name]
