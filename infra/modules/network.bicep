// The private network: the silos' environment and the state database live in their own
// delegated subnets, and the database's name resolves only inside this VNet.

@description('Azure region of the virtual network.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the virtual network.')
param virtualNetworkName string

@description('Address space of the virtual network.')
param addressPrefix string

@description('Subnet of the Container Apps environment (a workload-profiles environment needs at least a /27).')
param containerAppsSubnetPrefix string

@description('Subnet of the PostgreSQL flexible server (delegated to it alone).')
param postgresSubnetPrefix string

@description('Private DNS zone of the flexible server; must end in .postgres.database.azure.com.')
param postgresDnsZoneName string

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: virtualNetworkName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'container-apps'
        properties: {
          addressPrefix: containerAppsSubnetPrefix
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: postgresSubnetPrefix
          delegations: [
            {
              name: 'postgres'
              properties: {
                serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers'
              }
            }
          ]
        }
      }
    ]
  }

  resource containerAppsSubnet 'subnets' existing = {
    name: 'container-apps'
  }

  resource postgresSubnet 'subnets' existing = {
    name: 'postgres'
  }
}

resource postgresDnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: postgresDnsZoneName
  location: 'global'
  tags: tags
}

resource postgresDnsZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: postgresDnsZone
  name: virtualNetworkName
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetwork.id
    }
  }
}

output containerAppsSubnetId string = virtualNetwork::containerAppsSubnet.id
output postgresSubnetId string = virtualNetwork::postgresSubnet.id
// Consumers of this module wait for all of it, the zone's VNet link included.
output postgresDnsZoneId string = postgresDnsZone.id
