// The Container Apps environment the silos run in: internal (its static IP is a private
// address in the VNet, nothing is reachable from the internet) and on workload profiles, which
// VNet integration with a small subnet needs.

@description('Azure region of the environment.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the Container Apps environment.')
param environmentName string

@description('Subnet delegated to Microsoft.App/environments.')
param subnetId string

@description('Log Analytics workspace the environment sends the apps\' console logs to.')
param workspaceName string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: true
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspace.properties.customerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
    zoneRedundant: false
  }
}

output id string = environment.id
output name string = environment.name
// Orleans silos advertise this address: every silo app's exposed TCP ports live on it.
output staticIp string = environment.properties.staticIp
output defaultDomain string = environment.properties.defaultDomain
