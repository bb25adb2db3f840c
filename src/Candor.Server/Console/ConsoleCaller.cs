namespace Candor.Server.WebConsole;

/// <summary>Who a console session belongs to, set as a request feature by <see cref="ConsoleGate"/>. The session
/// token itself is kept only for the request's lifetime, to derive the CSRF token.</summary>
internal sealed record ConsoleCaller(string Principal, bool IsOperator, string SessionToken);
