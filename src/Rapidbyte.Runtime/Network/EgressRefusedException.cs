namespace Rapidbyte.Runtime.Network;

/// <summary>A connect the silo's <see cref="EgressPolicy"/> refused; its message names the policy and the setting.</summary>
public sealed class EgressRefusedException(string message) : Exception(message);
