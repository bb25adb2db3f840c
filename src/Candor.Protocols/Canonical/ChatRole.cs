namespace Candor.Protocols.Canonical;

/// <summary>Who speaks a message. System and developer instructions stay in the message list in order;
/// encoders for protocols with a separate system field hoist them.</summary>
public enum ChatRole
{
    System,
    Developer,
    User,
    Assistant,
    Tool,
}
