// The state database (Orleans membership, grain state, reminders). Microsoft Entra ID sign-in
// only: the silos' identity asks Entra for a token and uses it as its password; no password
// exists anywhere. TLS is enforced by the server's default (require_secure_transport = on).

@description('Azure region of the server.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the flexible server (globally unique; becomes <name>.postgres.database.azure.com).')
param serverName string

@description('PostgreSQL major version.')
@allowed([
  '15'
  '16'
])
param version string

@description('Compute SKU name, e.g. Standard_B1ms.')
param skuName string

@description('Compute tier of skuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param skuTier string

@description('Storage size in GiB.')
@minValue(32)
param storageSizeGB int

@description('Days of point-in-time backups kept.')
@minValue(7)
@maxValue(35)
param backupRetentionDays int

@description('Delegated subnet the server is injected into.')
param subnetId string

@description('Private DNS zone (linked to the VNet) the server registers its name in.')
param privateDnsZoneId string

@description('Name of the database the silos keep their state in.')
param databaseName string

@description('Object (principal) id of the silos\' user-assigned identity, made the server\'s Entra administrator.')
param administratorPrincipalId string

@description('Name of that identity: the PostgreSQL role it signs in as.')
param administratorName string

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: serverName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: version
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      delegatedSubnetResourceId: subnetId
      privateDnsZoneArmResourceId: privateDnsZoneId
      publicNetworkAccess: 'Disabled'
    }
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled'
      tenantId: tenant().tenantId
    }
  }

  resource database 'databases' = {
    name: databaseName
    properties: {
      charset: 'UTF8'
      collation: 'en_US.utf8'
    }
  }

  // Tradeoff: the silos' identity is the server's Entra administrator, so the silos can create
  // their schema with no step after provisioning. A narrower role (owner of one database only)
  // needs a SQL step (pgaadauth_create_principal) that ARM cannot run.
  resource administrator 'administrators' = {
    name: administratorPrincipalId
    properties: {
      principalName: administratorName
      principalType: 'ServicePrincipal'
      tenantId: tenant().tenantId
    }
    // The server takes one change at a time; parallel child operations fail as busy.
    dependsOn: [
      database
    ]
  }
}

output name string = server.name
output fullyQualifiedDomainName string = server.properties.fullyQualifiedDomainName
output databaseName string = server::database.name
