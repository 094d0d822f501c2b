// Pipelines' secrets (database passwords and the like). Azure RBAC only, no access policies:
// the silos read secrets and nothing else; whoever writes them is granted that outside this
// template (Key Vault Secrets Officer, ideally just in time).
import { roleDefinitionIds } from 'roles.bicep'

@description('Azure region of the vault.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the key vault (3-24 alphanumerics and hyphens, globally unique).')
param keyVaultName string

@description('Name of the silos\' user-assigned identity, granted Key Vault Secrets User on this vault only.')
param siloIdentityName string

resource siloIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: siloIdentityName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // A deleted vault (and its secrets) cannot be purged before its retention ends.
    enablePurgeProtection: true
    // Reachable with Entra ID and RBAC only, so operators can write secrets from outside the
    // VNet; closing it takes a private endpoint, which this template does not create.
    publicNetworkAccess: 'Enabled'
  }
}

resource siloSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, siloIdentity.id, roleDefinitionIds.keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds.keyVaultSecretsUser)
    principalId: siloIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
