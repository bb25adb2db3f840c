using Candor.Server.Cli;

namespace Candor.Server.WebConsole;

/// <summary><c>candor console invite</c>: creates a console invitation in the data directory and prints its link once.</summary>
internal static class ConsoleCommands
{
    public static async Task<int> RunAsync(string verb, CliArgs args, TextWriter output, CancellationToken cancellationToken)
    {
        if (verb != "invite")
        {
            throw new ArgumentException($"unknown verb 'console {verb}' (invite)");
        }

        using var store = await AdminCommands.OpenAsync(args, cancellationToken).ConfigureAwait(false);
        string principal = args.Require("--principal").Trim();
        bool isOperator = args.Has("--operator");
        string? account = args.Get("--account");
        if (account is not null && await store.GetAccountAsync(account, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ArgumentException($"no account '{account}'");
        }

        var (token, expires) = await ConsoleEndpoints.CreateInvitationAsync(store, TimeProvider.System, principal, isOperator, account, args.Get("--role"), cancellationToken).ConfigureAwait(false);
        string link = (args.Get("--url")?.TrimEnd('/') ?? "") + ConsoleEndpoints.InvitationPath(token);
        await output.WriteLineAsync($"Invitation for {principal}{(isOperator ? " (platform operator)" : "")}{(account is null ? "" : $" to join {account} as {args.Get("--role") ?? "member"}")}, valid until {expires:u}, works once (shown once):").ConfigureAwait(false);
        await output.WriteLineAsync(link).ConfigureAwait(false);
        return 0;
    }
}
