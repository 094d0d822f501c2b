using System.Text.Json.Serialization;
using Rapidbyte.Contracts;
using Rapidbyte.Grains.Runs;

namespace Rapidbyte.Grains.Api;

/// <summary>
/// Serialization code for the API's bodies, generated at build time, as
/// <c>ContractJsonContext</c> is for the contract records: without it every process
/// builds their metadata by reflection and emits IL accessors on its first call (some 200
/// methods JIT-compiled by a <c>rapidbyte run</c> handed to a local server, in the time before
/// its run starts). Naming and enum strings come from <see cref="ApiJson.Options"/>.
/// </summary>
[JsonSerializable(typeof(RunRequest))]
[JsonSerializable(typeof(TriggerRequest))]
[JsonSerializable(typeof(PipelineRunReport))]
[JsonSerializable(typeof(RunPage))]
[JsonSerializable(typeof(PipelineRegistration))]
[JsonSerializable(typeof(IReadOnlyList<PipelineRegistration>))]
[JsonSerializable(typeof(IReadOnlyList<ConnectorCheck>))]
[JsonSerializable(typeof(IReadOnlyList<StreamSchema>))]
[JsonSerializable(typeof(StreamStatus))]
[JsonSerializable(typeof(IReadOnlyList<StreamStatus>))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
