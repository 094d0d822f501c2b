// The private image registry azd pushes the silo image to; the silos pull with their identity.
import { roleDefinitionIds } from 'roles.bicep'

@description('Azure region of the registry.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the container registry (5-50 alphanumerics, globally unique).')
param registryName string

@description('Registry SKU.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string

@description('Name of the silos\' user-assigned identity, granted AcrPull on this registry only.')
param siloIdentityName string

resource siloIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: siloIdentityName
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: registryName
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    // Identities only: no shared admin password to leak or rotate.
    adminUserEnabled: false
  }
}

resource siloAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registry
  name: guid(registry.id, siloIdentity.id, roleDefinitionIds.acrPull)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds.acrPull)
    principalId: siloIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
