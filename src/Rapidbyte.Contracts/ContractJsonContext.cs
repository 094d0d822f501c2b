using System.Text.Json.Serialization;

namespace Rapidbyte.Contracts;

/// <summary>
/// Serialization code for the contract records, generated at build time. Without it
/// System.Text.Json builds their metadata by reflection and emits IL accessors at the first
/// run of every process: about 300 methods JIT-compiled during start-up, which the tool's
/// precompiled (ReadyToRun) image cannot hold. Naming, null handling and enum converters come
/// from <see cref="ContractJson.Options"/>, which reads and writes every contract value.
/// </summary>
[JsonSerializable(typeof(StreamRequest))]
[JsonSerializable(typeof(ConnectorSpec))]
[JsonSerializable(typeof(CheckResult))]
[JsonSerializable(typeof(List<StreamSchema>))]
[JsonSerializable(typeof(StreamSummary))]
[JsonSerializable(typeof(CommitMarker))]
[JsonSerializable(typeof(ConnectorError))]
[JsonSerializable(typeof(TlsSettings))]
internal sealed partial class ContractJsonContext : JsonSerializerContext;
