using Microsoft.Extensions.Configuration;

namespace Rapidbyte.Grains.Composition;

/// <summary>
/// A section of settings under <c>Rapidbyte</c> that a host adds to the silo's own (the HTTP
/// API's <c>Rapidbyte:Api</c>): registered as a service, its keys are checked like the
/// silo's, so a misspelt one stops the silo instead of being ignored.
/// </summary>
/// <param name="Name">The section's name under <c>Rapidbyte</c>.</param>
/// <param name="Type">The options type it binds to.</param>
/// <param name="Check">Its own checks, each problem naming its setting: run with the silo's, so a silo that cannot start says everything wrong at once.</param>
public sealed record SettingsSection(string Name, Type Type, Func<IConfigurationSection, IEnumerable<string>>? Check = null);
