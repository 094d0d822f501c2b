using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Rapidbyte.Cli.Output;
using Rapidbyte.Cli.Silo;
using Rapidbyte.Engine.Connectors;
using Rapidbyte.Pipelines.Spec;
using Rapidbyte.Runtime.Engine;
using Rapidbyte.Runtime.Errors;

namespace Rapidbyte.Cli.Commands;

/// <summary>
/// <c>rapidbyte connector push|list|pull</c>: publish connector modules to a service's Blob
/// registry and inspect it. The registry is <c>--registry</c> or <c>RAPIDBYTE_CONNECTOR_REGISTRY</c>:
/// a storage connection string (Azurite, an account key: prefer the variable, a command line is
/// visible to other users) or an <c>https://</c> Blob service URI, signed in with
/// <c>DefaultAzureCredential</c> (az login, a managed identity).
/// </summary>
internal static class ConnectorCommand
{
    private const string RegistryVariable = "RAPIDBYTE_CONNECTOR_REGISTRY";
    private const string ContainerVariable = "RAPIDBYTE_CONNECTOR_CONTAINER";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static Command Create()
    {
        var registry = new Option<string?>("--registry")
        {
            Description = $"The Blob registry: a storage connection string or an https:// Blob service URI (default: ${RegistryVariable}).",
            Recursive = true,
        };
        var container = new Option<string?>("--container")
        {
            Description = $"The container the connectors are in (default: ${ContainerVariable}, else connectors).",
            Recursive = true,
        };
        return new Command("connector", "Publish connector modules to a Blob registry and inspect it.")
        {
            registry, container, Push(registry, container), List(registry, container), Pull(registry, container),
        };
    }

    private static Command Push(Option<string?> registry, Option<string?> container)
    {
        var file = new Argument<string>("module") { Description = "The connector module (.wasm) to publish." };
        var json = CommonArguments.Json();
        var command = new Command("push", "Publish a module under its SHA-256, as the name and version its own spec gives.") { file, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Open(parse, registry, container) is not { } target)
            {
                return ExitCodes.InvalidInput;
            }
            var path = parse.GetRequiredValue(file);
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"{path}: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            Contracts.ConnectorSpec spec;
            try
            {
                // Checked as a silo checks it (the contract, forbidden imports), and named by its own spec.
                using var runtime = new ConnectorRuntime(new ConnectorRuntimeOptions { CompiledCacheDirectory = CliPaths.CompiledCacheDirectory });
                var module = runtime.LoadModule(Path.GetFileNameWithoutExtension(path), bytes);
                using var instance = runtime.CreateInstance(module);
                spec = await instance.SpecAsync(cancellationToken);
                await instance.CloseAsync(cancellationToken);
            }
            catch (ConnectorException e)
            {
                await Console.Error.WriteLineAsync($"{path} is not a connector this service can run: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            if (!ConnectorReference.IsName(spec.Name) || !ConnectorReference.IsVersion(spec.Version))
            {
                await Console.Error.WriteLineAsync($"{path}: its spec names it '{spec.Name}' version '{spec.Version}', which cannot be published ({ConnectorReference.Forms})");
                return ExitCodes.InvalidInput;
            }
            return await Guard(async () =>
            {
                var published = await target.PublishAsync(spec.Name, spec.Version, bytes, cancellationToken);
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(published, Json));
                }
                else
                {
                    Console.WriteLine($"published {published.Name} {published.Version} as {published.Name}@sha256:{published.Digest} ({Quantity.Megabytes(published.Size)}) to {target.Location}");
                }
                return ExitCodes.Success;
            });
        });
        return command;
    }

    private static Command List(Option<string?> registry, Option<string?> container)
    {
        var name = new Argument<string?>("name") { Description = "Only this connector's versions.", Arity = ArgumentArity.ZeroOrOne };
        var json = CommonArguments.Json();
        var command = new Command("list", "The published connectors, newest version first.") { name, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Open(parse, registry, container) is not { } target)
            {
                return ExitCodes.InvalidInput;
            }
            return await Guard(async () =>
            {
                var published = await target.ListAsync(parse.GetValue(name), cancellationToken);
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(published, Json));
                    return ExitCodes.Success;
                }
                if (published.Count == 0)
                {
                    Console.WriteLine($"no connectors published in {target.Location}");
                    return ExitCodes.Success;
                }
                Console.WriteLine($"{"NAME",-24} {"VERSION",-14} {"SHA-256",-64} {"SIZE",10}  PUBLISHED");
                foreach (var c in published)
                {
                    Console.WriteLine($"{c.Name,-24} {c.Version,-14} {c.Digest,-64} {Quantity.Megabytes(c.Size),10}  {c.PublishedAt:u}");
                }
                return ExitCodes.Success;
            });
        });
        return command;
    }

    private static Command Pull(Option<string?> registry, Option<string?> container)
    {
        var reference = new Argument<string>("connector") { Description = $"What to fetch: {ConnectorReference.Forms}." };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the module (default: <name>-<version>.wasm here)." };
        var command = new Command("pull", "Download a published module, checked against its SHA-256.") { reference, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Open(parse, registry, container) is not { } target)
            {
                return ExitCodes.InvalidInput;
            }
            var text = parse.GetRequiredValue(reference);
            if (!ConnectorReference.TryParse(text, out var wanted, out var problem))
            {
                await Console.Error.WriteLineAsync($"connector '{text}': {problem}");
                return ExitCodes.InvalidInput;
            }
            return await Guard(async () =>
            {
                if (await target.ResolveAsync(wanted, cancellationToken) is not { } published)
                {
                    await Console.Error.WriteLineAsync($"connector '{wanted}' is not published in {target.Location}");
                    return ExitCodes.Failed;
                }
                var bytes = await target.DownloadAsync(published.Digest, cancellationToken);
                var digest = bytes is null ? null : Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (bytes is null || digest != published.Digest)
                {
                    await Console.Error.WriteLineAsync(bytes is null
                        ? $"{published.Name} {published.Version}: its module sha256:{published.Digest} is missing from {target.Location}"
                        : $"{published.Name} {published.Version}: the module downloaded has SHA-256 {digest}, but sha256:{published.Digest} was published; not written");
                    return ExitCodes.Failed;
                }
                var path = parse.GetValue(output) ?? $"{published.Name}-{published.Version}.wasm";
                await File.WriteAllBytesAsync(path, bytes, cancellationToken);
                Console.WriteLine($"{path}: {published.Name} {published.Version} sha256:{published.Digest} ({Quantity.Megabytes(bytes.Length)})");
                return ExitCodes.Success;
            });
        });
        return command;
    }

    private static BlobConnectorRegistry? Open(ParseResult parse, Option<string?> registry, Option<string?> container)
    {
        var account = parse.GetValue(registry) ?? Environment.GetEnvironmentVariable(RegistryVariable);
        if (string.IsNullOrWhiteSpace(account))
        {
            Console.Error.WriteLine($"no connector registry: give --registry or set {RegistryVariable} (a storage connection string, or https://<account>.blob.core.windows.net)");
            return null;
        }
        try
        {
            return BlobConnectorRegistry.Create(account, parse.GetValue(container) ?? Environment.GetEnvironmentVariable(ContainerVariable) ?? "connectors");
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            return null;
        }
    }

    private static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (ConnectorRegistryException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return ExitCodes.Failed;
        }
    }
}
