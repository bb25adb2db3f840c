namespace Candor.Server.WebConsole;

/// <summary>One plain-text message for <see cref="ConsoleMailer"/>.</summary>
internal sealed record OutgoingMail(string To, string Subject, string Text);
