// The one identity every silo runs as: it pulls the image, reads connector modules and
// pipeline secrets, and signs in to PostgreSQL. User-assigned so the role assignments and the
// database's Entra administrator exist before the first silo starts.

@description('Azure region of the identity.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the user-assigned managed identity.')
param identityName string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
