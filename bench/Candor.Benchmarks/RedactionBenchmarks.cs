using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Candor.Core.Privacy;
using Candor.Core.Privacy.Redaction;

namespace Candor.Benchmarks;

/// <summary>Redaction of one 50 KB prompt per operation: a prompt holding 426 entities of every type in English
/// and Chinese prose (every entity masked), and a prompt of prose, code and numbers holding none (the scan that
/// every request of a redacting policy pays).</summary>
[MemoryDiagnoser]
public class RedactionBenchmarks
{
    private static readonly string[] Entities =
    [
        "alice@example.com", "13812345678", "+86 138 1234 5678", "11010519491231002X", "91350100M000100Y43",
        "4111111111111111", "6222021234567890128", "192.168.1.20", "2001:db8::8a2e:370:7334", "E12345678",
        "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "AKIAIOSFODNN7EXAMPLE", "+44 20 7946 0958", "zhang.san@mail.example.com.cn",
    ];

    private static readonly string[] Prose =
    [
        "The quick brown fox jumps over the lazy dog, version 2 of the plan ships at 10:30 on 2024-05-01. ",
        "敏捷的棕色狐狸跳过了懒狗，第3季度的收入增长了12%，会议在下午3点开始。 ",
        "for (int i = 0; i < items.Count; i++) { total += items[i].Price * 1.08m; } // sum of 250 rows\n",
        "Please review the attached report and reply by Friday; the budget is 45000 and the team is 7 people. ",
    ];

    private Redactor _policy = null!;
    private RedactionPolicy _maskAll = null!;
    private string _withEntities = null!;
    private string _withoutEntities = null!;

    [GlobalSetup]
    public void Setup()
    {
        _maskAll = new RedactionPolicy(new Dictionary<string, EntityAction>(), EntityAction.Mask);
        _policy = new Redactor(_maskAll);
        var sb = new StringBuilder(52 * 1024);
        int planted = 0;
        for (int i = 0; i < 426; i++)
        {
            string prose = Prose[i % Prose.Length];
            sb.Append(prose, 0, Math.Min(prose.Length, 30 + (i % 3 * 20))).Append(' ').Append(Entities[i % Entities.Length]);
            planted += sb.Length <= 50 * 1024 ? 1 : 0;
            sb.Append(CultureInfo.InvariantCulture, $" ({i}) ");
        }

        while (sb.Length < 50 * 1024)
        {
            sb.Append(Prose[sb.Length % Prose.Length]);
        }

        _withEntities = sb.ToString(0, 50 * 1024);

        // The figure is the cost of finding every entity: a prompt with entities the scan misses would measure less
        // work than it claims (the check runs in CI through bench/micro-check.sh).
        var check = new Redactor(_maskAll);
        check.Redact(_withEntities);
        if (check.Total != planted)
        {
            throw new InvalidOperationException($"the scan found {check.Total} of the {planted} entities planted in the 50 KB prompt ({check.CountsHeader()})");
        }
        sb.Clear();
        for (int i = 0; sb.Length < 50 * 1024; i++)
        {
            sb.Append(Prose[i % Prose.Length]);
        }

        _withoutEntities = sb.ToString(0, 50 * 1024);
    }

    /// <summary>A 50 KB prompt with 426 entities, every one masked.</summary>
    [Benchmark]
    public int Redact50KbWithEntities() => new Redactor(_maskAll).Redact(_withEntities).Length;

    /// <summary>A 50 KB prompt with no entity: the scan finds nothing and the text is returned as it is.</summary>
    [Benchmark]
    public int Redact50KbNoEntity() => _policy.Redact(_withoutEntities).Length;
}
