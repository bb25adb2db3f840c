namespace Candor.Core.Configuration;

/// <summary>Invalid configuration. The message names the place (file, line, column, path) and the fault.</summary>
public sealed class ConfigException(string message) : Exception(message);
