using System.Text;
using System.Text.Json;
using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;
using Candor.Protocols.Canonical;

namespace Candor.UnitTests.Core.Privacy;

/// <summary>Pseudonyms are consistent within a request and come back exactly, however the answer is cut.</summary>
public sealed class PseudonymRoundTripTests
{
    private static Redactor Pseudonymizing() =>
        new(new RedactionPolicy(new Dictionary<string, EntityAction> { ["secret"] = EntityAction.Pseudonymize }, EntityAction.Pseudonymize));

    private const string Original =
        "请联系alice@example.com或13812345678，备用alice@example.com；key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 and "
        + "-----BEGIN PRIVATE KEY-----\nMIIEvQ\"quoted\"\n-----END PRIVATE KEY-----, IP 10.1.2.3.";

    [Fact]
    public void SameValue_GetsTheSamePlaceholder_AndDifferentValuesDiffer()
    {
        var r = Pseudonymizing();
        string redacted = r.Redact(Original);
        Assert.DoesNotContain("alice@example.com", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("13812345678", redacted, StringComparison.Ordinal);
        Assert.Equal(2, CountOf(redacted, "⟦EMAIL_1⟧"));
        Assert.Contains("⟦PHONE_1⟧", redacted, StringComparison.Ordinal);
        Assert.Contains("⟦SECRET_1⟧", redacted, StringComparison.Ordinal);
        Assert.Contains("⟦SECRET_2⟧", redacted, StringComparison.Ordinal);
        Assert.Equal("secret=2,email=2,phone=1,ip=1", r.CountsHeader());
        Assert.Equal(Original, r.RestoreAll(redacted, json: false));
    }

    [Fact]
    public void PlaceholderTypedByTheUser_IsNeverIssued_AndComesBackUnchanged()
    {
        var r = Pseudonymizing();
        const string Typed = "模板里写着⟦EMAIL_1⟧和⟦EMAIL_2⟧，我的邮箱是bob@example.com";
        string redacted = r.Redact(Typed);
        Assert.Equal("模板里写着⟦EMAIL_1⟧和⟦EMAIL_2⟧，我的邮箱是⟦EMAIL_3⟧", redacted);
        Assert.Equal(Typed, r.RestoreAll(redacted, json: false));
        Assert.Equal("⟦EMAIL_1⟧ → bob@example.com", r.RestoreAll("⟦EMAIL_1⟧ → ⟦EMAIL_3⟧", json: false));
    }

    [Fact]
    public void StreamedText_SplitAtEveryBoundary_RestoresExactly()
    {
        var r = Pseudonymizing();
        string redacted = r.Redact(Original);
        for (int cut = 0; cut <= redacted.Length; cut++)
        {
            for (int cut2 = cut; cut2 <= redacted.Length; cut2 += 3)
            {
                var events = new List<ChatEvent>();
                var restorer = new PseudonymRestorer(r);
                var client = new StringBuilder();
                foreach (string piece in new[] { redacted[..cut], redacted[cut..cut2], redacted[cut2..] })
                {
                    events.Clear();
                    events.Add(new TextDelta(0, piece));
                    restorer.Restore(events, final: false);
                    client.Append(string.Concat(events.OfType<TextDelta>().Select(static t => t.Text)));
                }

                events.Clear();
                events.Add(new ChoiceFinished(0, FinishReason.EndTurn));
                restorer.Restore(events, final: true);
                client.Append(string.Concat(events.OfType<TextDelta>().Select(static t => t.Text)));
                Assert.IsType<ChoiceFinished>(events[^1]);
                Assert.Equal(Original, client.ToString());
            }
        }
    }

    [Fact]
    public void StreamedText_OneCharacterPerChunk_RestoresExactlyAndHoldsOnlyAPrefix()
    {
        var r = Pseudonymizing();
        string redacted = r.Redact(Original);
        var restorer = new PseudonymRestorer(r);
        var client = new StringBuilder();
        int maxBehind = 0;
        for (int i = 0; i < redacted.Length; i++)
        {
            var events = new List<ChatEvent> { new TextDelta(0, redacted[i].ToString()) };
            restorer.Restore(events, final: false);
            client.Append(string.Concat(events.OfType<TextDelta>().Select(static t => t.Text)));
            maxBehind = Math.Max(maxBehind, r.RestoreAll(redacted[..(i + 1)], false).Length - client.Length);
        }

        var end = new List<ChatEvent>();
        restorer.Restore(end, final: true);
        client.Append(string.Concat(end.OfType<TextDelta>().Select(static t => t.Text)));
        Assert.Equal(Original, client.ToString());
        Assert.True(maxBehind < 18, $"held back {maxBehind} characters");
    }

    [Fact]
    public void ToolArguments_SplitAtEveryBoundary_RestoreAsValidJson()
    {
        var r = Pseudonymizing();
        _ = r.Redact(Original);
        string args = """{"to":"⟦EMAIL_1⟧","key":"⟦SECRET_2⟧","note":"⟦UNKNOWN_9⟧ ⟦"}""";
        for (int cut = 0; cut <= args.Length; cut++)
        {
            var restorer = new PseudonymRestorer(r);
            var events = new List<ChatEvent>
            {
                new ToolCallStarted(0, 0, "call_1", "send"),
                new ToolCallArgumentsDelta(0, 0, args[..cut]),
                new ToolCallArgumentsDelta(0, 0, args[cut..]),
                new ChoiceFinished(0, FinishReason.ToolCalls),
            };
            restorer.Restore(events, final: true);
            string restored = string.Concat(events.OfType<ToolCallArgumentsDelta>().Select(static a => a.Fragment));
            using var doc = JsonDocument.Parse(restored);
            Assert.Equal("alice@example.com", doc.RootElement.GetProperty("to").GetString());
            Assert.Equal("-----BEGIN PRIVATE KEY-----\nMIIEvQ\"quoted\"\n-----END PRIVATE KEY-----", doc.RootElement.GetProperty("key").GetString());
            Assert.Equal("⟦UNKNOWN_9⟧ ⟦", doc.RootElement.GetProperty("note").GetString());
        }
    }

    [Fact]
    public void HeldText_IsReleasedBeforeAToolCallStarts()
    {
        var r = Pseudonymizing();
        _ = r.Redact("alice@example.com");
        var restorer = new PseudonymRestorer(r);
        var events = new List<ChatEvent> { new TextDelta(0, "mail ⟦EMA"), new ToolCallStarted(0, 0, "c", "f") };
        restorer.Restore(events, final: false);
        Assert.Equal("mail ", ((TextDelta)events[0]).Text);
        Assert.Equal("⟦EMA", ((TextDelta)events[1]).Text);
        Assert.IsType<ToolCallStarted>(events[2]);
    }

    [Fact]
    public void Block_NamesTheTypeAndNeverTheValue()
    {
        var r = new Redactor(new RedactionPolicy(new Dictionary<string, EntityAction> { ["cn_id"] = EntityAction.Block }, EntityAction.Allow));
        string text = "身份证11010519491231002X";
        Assert.Same(text, r.Redact(text));
        Assert.Equal("cn_id", r.Blocked);
        var error = RedactionStage.Blocked(r.Blocked!);
        Assert.Equal(400, error.StatusCode);
        Assert.Contains("cn_id", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("11010519491231002X", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Narrowing_KeepsTheStricterActionPerType()
    {
        var server = new RedactionPolicy(new Dictionary<string, EntityAction> { ["email"] = EntityAction.Mask, ["phone"] = EntityAction.Pseudonymize }, EntityAction.Allow);
        var key = new RedactionPolicy(new Dictionary<string, EntityAction> { ["email"] = EntityAction.Allow, ["phone"] = EntityAction.Block }, EntityAction.Pseudonymize);
        var narrowed = RedactionPolicies.Narrow(server, key);
        Assert.Equal(EntityAction.Mask, narrowed.ActionFor("email"));
        Assert.Equal(EntityAction.Block, narrowed.ActionFor("phone"));
        Assert.Equal(EntityAction.Pseudonymize, narrowed.ActionFor("ip"));
        Assert.Equal("redaction=secret:pseudonymize,email:mask,cn_id:pseudonymize,cn_uscc:pseudonymize,bank_card:pseudonymize,phone:block,ip:pseudonymize,passport:pseudonymize",
            RedactionPolicies.Describe(narrowed));
    }

    private static int CountOf(string text, string value)
    {
        int n = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
