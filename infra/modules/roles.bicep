// Built-in role definitions the deployment grants, by their fixed GUIDs: the only roles it
// grants anywhere (the deployment tests hold it to exactly these).

@export()
@description('Built-in role definition GUIDs, one per role this deployment grants.')
var roleDefinitionIds = {
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}
