using System.Threading.Channels;
using Candor.Core.WebConsole;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Candor.Server.WebConsole;

/// <summary>Sends the console's mail (sign-up verification) through the configured SMTP server with MailKit, off the
/// request path: a request only queues its message, so answering takes the same time whether the address is known or
/// not and whatever the SMTP server does. STARTTLS, when configured, is required (never a silent fall-back to plain
/// text). A message that cannot be sent is logged (without its address) and dropped: the person signs up again.</summary>
internal sealed class ConsoleMailer(SmtpSettings smtp, Func<string, string?> environment, ILogger<ConsoleMailer> logger) : BackgroundService
{
    /// <summary>Messages waiting at most; beyond, new ones are dropped and logged.</summary>
    public const int QueueCapacity = 1000;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Channel<OutgoingMail> _queue = Channel.CreateBounded<OutgoingMail>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    /// <summary>Queues a message; false (logged) when the queue is full.</summary>
    public bool Enqueue(OutgoingMail mail)
    {
        if (_queue.Writer.TryWrite(mail))
        {
            return true;
        }

        logger.MailQueueFull();
        return false;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var mail in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await SendAsync(mail, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is not sent.
        }
    }

    private async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Subject = mail.Subject;
        message.Body = new TextPart("plain") { Text = mail.Text };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
            await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security switch
            {
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            }, timeout.Token).ConfigureAwait(false);
            if (smtp.User is { } user)
            {
                await client.AuthenticateAsync(user, environment(SmtpSettings.PasswordVariable) ?? "", timeout.Token).ConfigureAwait(false);
            }

            await client.SendAsync(message, timeout.Token).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, timeout.Token).ConfigureAwait(false);
            logger.MailSent(smtp.Host, smtp.Port);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.MailFailed(smtp.Host, smtp.Port, e is SmtpCommandException command ? $"{e.GetType().Name} {(int)command.StatusCode}" : e.GetType().Name);
        }
    }
}
