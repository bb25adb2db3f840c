namespace Candor.Server.WebConsole;

/// <summary>Set as a request feature by <see cref="ConsoleAccess"/> when the console caller is a plain member of the
/// account (role member): the key and usage routes then answer only for the keys <see cref="Principal"/> owns
/// (<see cref="Core.WebConsole.IKeyOwners"/>). Absent for operators, owners, admins and operator keys.</summary>
internal sealed record ConsoleKeyScope(string Principal);
