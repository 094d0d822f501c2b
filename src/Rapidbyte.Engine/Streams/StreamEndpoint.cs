using System.Text.Json;
using Rapidbyte.Contracts;
using Rapidbyte.Runtime.Instances;
using Rapidbyte.Runtime.Modules;

namespace Rapidbyte.Engine.Streams;

/// <summary>One side of a stream: which connector, configured how, asked for what.</summary>
/// <param name="Connector">The loaded connector module.</param>
/// <param name="Config">The connector's <c>config</c> object (secrets already substituted).</param>
/// <param name="Stream">What to read or write.</param>
/// <param name="Options">Sandbox settings: allow-list, limits, state.</param>
public sealed record StreamEndpoint(ConnectorModule Connector, JsonElement Config, StreamRequest Stream, ConnectorInstanceOptions Options);
