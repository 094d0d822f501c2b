// The connector registry: a Blob container of content-addressed modules. Entra ID only (no
// account keys), so access is exactly the role assignments below.
import { roleDefinitionIds } from 'roles.bicep'

@description('Azure region of the storage account.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the storage account (3-24 lowercase alphanumerics, globally unique).')
param storageAccountName string

@description('Name of the Blob container holding the connector modules.')
param connectorContainerName string

@description('Name of the silos\' user-assigned identity, granted Storage Blob Data Reader on the container.')
param siloIdentityName string

@description('Principal id of whoever deploys (azd\'s signed-in user), granted Storage Blob Data Contributor on the container so the postprovision hook can publish connectors; empty grants nothing.')
param deployerPrincipalId string

@description('Kind of principal deployerPrincipalId is.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string

resource siloIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: siloIdentityName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Public endpoint, Entra ID only: the deployer publishes connectors from outside the VNet.
    publicNetworkAccess: 'Enabled'
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource connectors 'containers' = {
      name: connectorContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }
}

resource siloBlobReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage::blobService::connectors
  name: guid(storage::blobService::connectors.id, siloIdentity.id, roleDefinitionIds.storageBlobDataReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds.storageBlobDataReader)
    principalId: siloIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  scope: storage::blobService::connectors
  name: guid(storage::blobService::connectors.id, deployerPrincipalId, roleDefinitionIds.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionIds.storageBlobDataContributor)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output connectorContainerName string = storage::blobService::connectors.name
