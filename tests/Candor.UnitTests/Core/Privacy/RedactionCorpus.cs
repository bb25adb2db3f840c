namespace Candor.UnitTests.Core.Privacy;

/// <summary>The redaction corpus: texts with the entity they must yield (the value between ⟪ and ⟫, its type),
/// and near-misses that must yield nothing. English and Chinese contexts, Chinese characters right next to
/// the values (no spaces), as users write them.</summary>
internal static class RedactionCorpus
{
    /// <summary>(entity type, text with the expected value marked ⟪…⟫).</summary>
    public static readonly (string Type, string Text)[] Positives =
    [
        // email
        ("email", "contact ⟪alice@example.com⟫ today"),
        ("email", "我的邮箱是⟪zhang.san+work@mail.example.com.cn⟫，谢谢"),
        ("email", "邮箱：⟪li_si-2024@qq.com⟫。"),
        ("email", "<⟪bob.oneil@sub.example.org⟫>"),
        ("email", "mailto:⟪ops@candor.dev⟫"),
        ("email", "(⟪x%y@example.io⟫)"),

        // phone: mainland mobile with and without +86, E.164
        ("phone", "电话⟪13812345678⟫联系我"),
        ("phone", "call ⟪+86 138 1234 5678⟫ now"),
        ("phone", "手机：⟪+8615912345678⟫"),
        ("phone", "⟪0086-186-0000-1234⟫"),
        ("phone", "tel ⟪199-8888-7777⟫."),
        ("phone", "US office ⟪+14155552671⟫"),
        ("phone", "London ⟪+44 20 7946 0958⟫"),
        ("phone", "号码是⟪17712345678⟫和"),

        // PRC resident ID (GB 11643)
        ("cn_id", "身份证号⟪11010519491231002X⟫，"),
        ("cn_id", "ID ⟪440524188001010014⟫"),
        ("cn_id", "证件号码：⟪110101199003077774⟫"),
        ("cn_id", "⟪310115198511221235⟫是我的身份证"),
        ("cn_id", "born on leap day ⟪510108200002294560⟫"),
        ("cn_id", "⟪650102197810100013⟫"),
        ("cn_id", "lower-case x: ⟪11010519491231002x⟫"),

        // bank card (Luhn, 16–19 digits)
        ("bank_card", "card ⟪4111111111111111⟫ exp 12/29"),
        ("bank_card", "卡号⟪6222021234567890128⟫请转账"),
        ("bank_card", "⟪4532 0151 1283 0366⟫"),
        ("bank_card", "⟪5105-1051-0510-5100⟫"),
        ("bank_card", "银联⟪6212262201234567891⟫"),
        ("bank_card", "⟪621483012345678902⟫"),
        ("bank_card", "Discover ⟪6011000099013900⟫"),
        ("bank_card", "MC2 ⟪2223000048400011⟫"),
        ("bank_card", "⟪5204973123456783⟫"),

        // IP addresses
        ("ip", "server at ⟪192.168.1.20⟫:8080"),
        ("ip", "地址⟪10.0.0.1⟫访问"),
        ("ip", "⟪8.8.8.8⟫."),
        ("ip", "v6 ⟪2001:db8::8a2e:370:7334⟫ ok"),
        ("ip", "loopback ⟪::1⟫ and"),
        ("ip", "[⟪fe80::1ff:fe23:4567:890a⟫]"),
        ("ip", "IPv6地址⟪2408:8207:1234:5678::1⟫的"),

        // PRC unified social credit code (GB 32100)
        ("cn_uscc", "统一社会信用代码⟪91350100M000100Y43⟫"),
        ("cn_uscc", "USCC ⟪91110000802100433B⟫."),
        ("cn_uscc", "信用代码：⟪91310000MA1FL4XQ3A⟫，"),
        ("cn_uscc", "⟪12100000400000813L⟫"),
        ("cn_uscc", "⟪91440300708461136T⟫"),

        // passports
        ("passport", "护照号⟪E12345678⟫"),
        ("passport", "passport ⟪G87654321⟫ issued"),
        ("passport", "新版护照⟪EA1234567⟫。"),
        ("passport", "passport no. ⟪X1234567⟫"),
        ("passport", "Passport number: ⟪123456789⟫"),
        ("passport", "护照号码：⟪K12345678⟫"),

        // secrets
        ("secret", "key ⟪sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789⟫"),
        ("secret", "ANTHROPIC_API_KEY=⟪sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_xyz⟫"),
        ("secret", "密钥⟪AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW⟫"),
        ("secret", "aws ⟪AKIAIOSFODNN7EXAMPLE⟫"),
        ("secret", "aws_secret_access_key = ⟪wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY⟫"),
        ("secret", "token ⟪ghp_0123456789abcdefghijABCDEFGHIJ012345⟫"),
        ("secret", "⟪github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz⟫"),
        ("secret", "阿里云⟪LTAI5tAbCdEfGhIjKlMnOp⟫"),
        ("secret", "jwt ⟪eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U⟫"),
        ("secret", "db postgres://⟪admin:hunter2⟫@db.internal:5432/app"),
        ("secret", "⟪-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234\nabcd==\n-----END RSA PRIVATE KEY-----⟫\nthanks"),
        ("secret", "⟪-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----⟫"),
        ("secret", "hf ⟪hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567⟫"),
        ("secret", "stripe ⟪sk_live_4eC39HqLyjWDarjtT1zdp7dc⟫"),
        ("secret", "tencent ⟪AKID0123456789abcdefghijABCDEFGHIJKL⟫"),
    ];

    /// <summary>Texts that must yield no entity at all: bad check digits, impossible dates, wrong lengths.</summary>
    public static readonly (string Type, string Text)[] NearMisses =
    [
        ("email", "no domain: alice@localhost"),
        ("email", "handle @alice on the site"),
        ("email", "bad tld alice@example.c0m"),
        ("email", "a@b"),
        ("email", "价格@5元"),

        ("phone", "号码12812345678不是手机"),
        ("phone", "short 1381234567"),
        ("phone", "long 138123456789"),
        ("phone", "订单号2138123456781"),
        ("phone", "E.164 too short +1234567"),
        ("phone", "E.164 too long +1234567890123456"),

        ("cn_id", "bad check 110101199003077775"),
        ("cn_id", "Feb 30 110101199002307777"),
        ("cn_id", "month 13 110101199013017775"),
        ("cn_id", "province 99 990101199003077778"),
        ("cn_id", "1900 not leap 110101190002297774"),
        ("cn_id", "future 11010120990101777X"),
        ("cn_id", "Apr 31 110101199004317776"),
        ("cn_id", "17 digits 11010119900307777"),

        ("bank_card", "bad Luhn 4111111111111112"),
        ("bank_card", "15-digit Amex, bad Luhn 378282246310006"),
        ("bank_card", "20 digits 62220212345678901284"),
        ("bank_card", "bad Luhn grouped 4532 0151 1283 0367"),
        ("bank_card", "mixed separators 4532 0151-1283 0366"),
        ("bank_card", "order no 1234567812345670"),
        ("bank_card", "Mastercard range, 18 digits (Mastercard PANs are 16) 520497312345678904"),

        ("ip", "not an ip 256.1.1.1"),
        ("ip", "three parts 1.2.3"),
        ("ip", "five parts 1.2.3.4.5"),
        ("ip", "version v1.2.3.4"),
        ("ip", "time 12:30:45"),
        ("ip", "C++ Abc::Def"),
        ("ip", "mac 00:1a:2b:3c:4d:5e"),

        ("cn_uscc", "bad check 91350100M000100Y44"),
        ("cn_uscc", "letter I 91350100I000100Y43"),
        ("cn_uscc", "17 chars 91350100M000100Y4"),

        ("passport", "seven digits E1234567"),
        ("passport", "nine digits G123456789"),
        ("passport", "letter I EI1234567"),
        ("passport", "passport office hours"),

        ("secret", "short sk-abc"),
        ("secret", "AKIA too short AKIAIOSFODNN7EXAMP"),
        ("secret", "just a header eyJhbGciOiJIUzI1NiJ9"),
        ("secret", "plain url https://example.com/path?q=1"),
        ("secret", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----"),
        ("secret", "email in url https://example.com/u/alice"),
        ("secret", "a task-list of risk-free items"),
    ];
}
