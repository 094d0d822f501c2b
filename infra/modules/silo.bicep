// One Orleans silo as its own Container App with exactly one replica: Orleans needs a stable
// address per silo, which Container Apps gives an app (its exposed TCP ports on the
// environment's static IP), not a replica. Add silos by adding apps, never replicas.

@description('Azure region of the app.')
param location string

@description('Tags of the app (silo 0 also carries azd-service-name, so azd deploy finds one app).')
param tags object

@description('Name of the Container App.')
param appName string

@description('Resource id of the Container Apps environment.')
param environmentId string

@description('Static IP of the (internal) environment: the address this silo advertises to the cluster.')
param environmentStaticIp string

@description('Image the silo runs.')
param image string

@description('Whether image is the Rapidbyte silo (HTTP health probes on) or the first provision\'s stand-in, which has no /health endpoints.')
param isSiloImage bool

@description('Silo-to-silo TCP port: the container listens on it and the environment exposes it, unique in the environment.')
param siloPort int

@description('Orleans client (gateway) TCP port, same rules as siloPort.')
param gatewayPort int

@description('Orleans cluster id every silo of this deployment joins.')
param clusterId string

@description('Resource id of the silos\' user-assigned identity.')
param identityId string

@description('Client id of that identity, for DefaultAzureCredential (AZURE_CLIENT_ID).')
param identityClientId string

@description('Name of that identity: the PostgreSQL role the silo signs in as.')
param identityName string

@description('Login server of the registry the image is pulled from with the identity.')
param registryServer string

@description('Fully qualified domain name of the PostgreSQL flexible server.')
param postgresHost string

@description('Database holding the silos\' state.')
param databaseName string

@description('Blob service URI of the connector registry.')
param connectorRegistryUri string

@description('Blob container of the connector registry.')
param connectorContainerName string

@description('OpenID Connect issuer whose tokens the API accepts.')
param apiAuthority string

@description('Audience the API\'s tokens must carry.')
param apiAudience string

@description('Application Insights component whose connection string the silo gets as a secret.')
param applicationInsightsName string

@description('URI of the key vault holding the pipelines\' secrets (with its trailing slash).')
param keyVaultUri string

@description('Key Vault secret names handed to pipelines: each becomes the environment variable RAPIDBYTE_<NAME> (upper case, - as _).')
param pipelineSecretNames string[]

@description('vCPU of the silo container (a Consumption workload-profile size: 0.25 to 4 in steps of 0.25).')
param cpu string

@description('Memory of the silo container, twice the vCPU in GiB (e.g. 1Gi for 0.5).')
param memory string

@description('Seconds between SIGTERM and SIGKILL.')
@minValue(31)
@maxValue(600)
param terminationGracePeriodSeconds int

// The silo's own HTTP port: the API and /health/*. ACA ingress terminates HTTPS in front of it.
var httpPort = 8080

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Each pipeline secret: a Container App secret read from Key Vault with the identity (latest
// version), and the variable a pipeline's ${NAME} reads.
var pipelineSecrets = [
  for name in pipelineSecretNames: {
    secretName: 'pipeline-${toLower(name)}'
    variableName: 'RAPIDBYTE_${toUpper(replace(name, '-', '_'))}'
    keyVaultUrl: '${keyVaultUri}secrets/${name}'
  }
]

var healthProbes = [
  {
    // Connectors are fetched and compiled before the silo is ready: up to ~4 minutes.
    type: 'Startup'
    httpGet: {
      path: '/health/ready'
      port: httpPort
    }
    initialDelaySeconds: 10
    periodSeconds: 20
    timeoutSeconds: 5
    failureThreshold: 10
  }
  {
    type: 'Readiness'
    httpGet: {
      path: '/health/ready'
      port: httpPort
    }
    periodSeconds: 10
    timeoutSeconds: 5
    failureThreshold: 3
  }
  {
    // /health/live touches no storage: a database outage must not restart every silo.
    type: 'Liveness'
    httpGet: {
      path: '/health/live'
      port: httpPort
    }
    periodSeconds: 10
    timeoutSeconds: 5
    failureThreshold: 3
  }
]

resource silo 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        // In an internal environment "external" means reachable from the VNet, never the internet.
        external: true
        targetPort: httpPort
        transport: 'http'
        allowInsecure: false
        // Silo and gateway ports stay inside the environment, where every silo runs.
        additionalPortMappings: [
          {
            external: false
            targetPort: siloPort
            exposedPort: siloPort
          }
          {
            external: false
            targetPort: gatewayPort
            exposedPort: gatewayPort
          }
        ]
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: concat(
        [
          {
            name: 'applicationinsights-connection-string'
            value: applicationInsights.properties.ConnectionString
          }
        ],
        map(pipelineSecrets, secret => {
          name: secret.secretName
          keyVaultUrl: secret.keyVaultUrl
          identity: identityId
        })
      )
    }
    template: {
      terminationGracePeriodSeconds: terminationGracePeriodSeconds
      containers: [
        {
          name: 'silo'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat(
            [
              {
                name: 'ASPNETCORE_HTTP_PORTS'
                value: string(httpPort)
              }
              {
                name: 'Rapidbyte__Cluster__ClusterId'
                value: clusterId
              }
              {
                name: 'Rapidbyte__Cluster__SiloPort'
                value: string(siloPort)
              }
              {
                name: 'Rapidbyte__Cluster__GatewayPort'
                value: string(gatewayPort)
              }
              {
                name: 'Rapidbyte__Cluster__AdvertisedAddress'
                value: environmentStaticIp
              }
              {
                // No password: the silo signs in with an Entra token for the identity below.
                name: 'Rapidbyte__State__ConnectionString'
                value: 'Host=${postgresHost};Database=${databaseName};Username=${identityName};SSL Mode=VerifyFull'
              }
              {
                name: 'Rapidbyte__State__Authentication'
                value: 'Entra'
              }
              {
                name: 'AZURE_CLIENT_ID'
                value: identityClientId
              }
              {
                name: 'Rapidbyte__Engine__Registry__ServiceUri'
                value: connectorRegistryUri
              }
              {
                name: 'Rapidbyte__Engine__Registry__Container'
                value: connectorContainerName
              }
              {
                name: 'Rapidbyte__Api__Authentication__Authority'
                value: apiAuthority
              }
              {
                name: 'Rapidbyte__Api__Authentication__Audience'
                value: apiAudience
              }
              {
                name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
                secretRef: 'applicationinsights-connection-string'
              }
            ],
            map(pipelineSecrets, secret => {
              name: secret.variableName
              secretRef: secret.secretName
            })
          )
          probes: isSiloImage ? healthProbes : []
        }
      ]
      scale: {
        // Never scaled: a second replica would advertise the same address and ports.
        minReplicas: 1
        maxReplicas: 1
      }
    }
  }
}

output name string = silo.name
output fqdn string = silo.properties.configuration.ingress.fqdn
