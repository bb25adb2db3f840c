using System.Globalization;
using System.Text;

namespace Candor.UnitTests.Core.Privacy;

/// <summary>One labelled text: the entities it holds (type, start, length) and what kind of item it is (the format
/// of a positive, or the kind of hard negative).</summary>
internal sealed record LabelledText(string Text, IReadOnlyList<(string Type, int Start, int Length)> Entities, string Kind);

/// <summary>A seeded generator of labelled texts as people paste them: every format of every entity type with
/// valid check digits, real region codes, calendar dates and issuer prefixes, in English and Chinese contexts
/// (Chinese glued to the value), forms that hold several entities, and hard negatives of every kind that looks
/// like an entity: order and tracking numbers, numbers that pass Luhn or the ID or USCC check by chance,
/// arithmetic results, versions, signed counts, image names, template placeholders, code references.</summary>
/// <remarks>The generator knows the formats, not the detector: contexts and values are drawn from lists written
/// for what users write. Values that a negative could hold by chance (a Luhn-valid order number) are made so on
/// purpose, to test the context rules.</remarks>
internal sealed class LabelledCorpus
{
    /// <summary>Real county-level administrative-division codes (GB/T 2260), for ID numbers and credit codes.</summary>
    private static readonly string[] Regions =
    [
        "110101", "110102", "110105", "110108", "120101", "120104", "130102", "130104", "140105", "150102", "210102", "210103", "220102", "220104", "230103",
        "310101", "310104", "310112", "310115", "320102", "320106", "320505", "330102", "330106", "330212", "340104", "350203", "350102", "360102", "370202",
        "370102", "410105", "420106", "420111", "430104", "430102", "440103", "440106", "440305", "440304", "450103", "460105", "460108", "500103", "500112",
        "510104", "510107", "520102", "530102", "540102", "610113", "610104", "620102", "630102", "640104", "650102", "650104",
    ];

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林"];

    private static readonly string[] GivenNames = ["伟", "芳", "娜", "敏", "静", "洋", "磊", "军", "勇", "艳", "杰", "涛", "明", "超", "秀英", "小红", "建华", "志强"];

    private static readonly string[] Latin = ["alice", "bob", "carol", "david", "emma", "frank", "grace", "henry", "li.na", "wang.wei", "zhangsan", "j.smith", "m.garcia", "o'neil"];

    private static readonly string[] NonAsciiLocals = ["дмитрий", "иван.петров", "josé.garcía", "müller", "françois", "søren", "ελένη", "ángel", "zoë.k"];

    private static readonly string[] AsciiDomains = ["gmail.com", "qq.com", "163.com", "126.com", "outlook.com", "foxmail.com", "company.com.cn", "mail.example.org", "sina.cn", "corp.example.co.uk", "yahoo.co.jp", "proton.me", "alibaba-inc.com"];

    private static readonly string[] IdnDomains = ["公司.cn", "例子.中国", "测试.公司", "邮件.网络", "почта.рф", "пример.рф", "bücher.de", "münchen.de", "xn--fiqs8s.xn--55qx5d"];

    private const string Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private const string Hex = "0123456789abcdef";

    private const string UsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    private readonly Random _random;
    private readonly List<LabelledText> _items = [];

    private LabelledCorpus(int seed) => _random = new Random(seed);

    /// <summary>Generates the corpus: <paramref name="perType"/> positives of each entity type, hard negatives,
    /// and forms that mix several types.</summary>
    public static IReadOnlyList<LabelledText> Generate(int seed, int perType)
    {
        var corpus = new LabelledCorpus(seed);
        for (int i = 0; i < perType; i++)
        {
            corpus.Positive("cn_id", corpus.ResidentId);
            corpus.Positive("cn_uscc", corpus.CreditCode);
            corpus.Positive("bank_card", corpus.Card);
            corpus.Positive("phone", corpus.Phone);
            corpus.Positive("email", corpus.Email);
            corpus.Positive("ip", corpus.Ip);
            corpus.Positive("passport", corpus.Passport);
            corpus.Positive("secret", corpus.Secret);
        }

        for (int i = 0; i < perType / 2; i++)
        {
            corpus.Form();
        }

        for (int i = 0; i < perType * 2; i++)
        {
            corpus.Negative();
        }

        return corpus._items;
    }

    // ---------------------------------------------------------------- positives

    private delegate (string Value, string Format, string[] English, string[] Chinese) ValueMaker();

    private void Positive(string type, ValueMaker make)
    {
        var (value, format, english, chinese) = make();
        bool zh = _random.Next(2) == 0;
        string template = zh ? Pick(chinese) : Pick(english);
        int at = template.IndexOf("{v}", StringComparison.Ordinal);
        string text = template.Replace("{v}", value, StringComparison.Ordinal);
        _items.Add(new LabelledText(text, [(type, at, value.Length)], $"{type}/{format}"));
    }

    private (string, string, string[], string[]) ResidentId()
    {
        string id = IdNumber(valid: true);
        if (id[^1] == 'X' && _random.Next(4) == 0)
        {
            id = id[..^1] + "x";
        }

        (string value, string format) = _random.Next(10) switch
        {
            < 5 => (id, "compact"),
            5 => ($"{id[..6]} {id[6..14]} {id[14..]}", "6-8-4 spaced"),
            6 => ($"{id[..6]}-{id[6..14]}-{id[14..]}", "6-8-4 hyphenated"),
            7 => ($"{id[..6]} {id[6..10]} {id[10..14]} {id[14..]}", "6-4-4-4 spaced"),
            8 => ($"{id[..6]}-{id[6..10]}-{id[10..14]}-{id[14..]}", "6-4-4-4 hyphenated"),
            _ => ($"{id[..6]} {id[6..]}", "6-12 spaced"),
        };
        return (value, format,
            ["ID number: {v}", "Resident ID {v}, please verify.", "my id is {v}", "Passenger ID: {v} (adult)", "{v}", "id_card={v}&name=x", "\"id_no\": \"{v}\"", "ID {v} on file"],
            ["身份证号：{v}", "身份证{v}，请核对", "我的身份证号码是{v}。", "证件号码 {v}", "{v}是我的身份证", "乘车人身份证：{v}", "身份证号码为{v}，姓名张三", "公民身份号码{v}"]);
    }

    private (string, string, string[], string[]) CreditCode()
    {
        string code = Uscc();
        return (code, code.Any(char.IsAsciiLetter) ? "with letters" : "all digits",
            ["USCC {v}", "Unified social credit code: {v}", "company code {v}.", "tax id {v}", "Business license no. {v}",
             "total += fee; lookup(\"{v}\");", "let result = await lookupCompany('{v}');", "sum = 0  # seller {v}"],
            ["统一社会信用代码：{v}", "信用代码{v}，", "公司税号 {v}", "纳税人识别号：{v}", "营业执照号{v}", "企业代码为{v}。"]);
    }

    private (string, string, string[], string[]) Card()
    {
        var (digits, issuer) = CardNumber();
        (string value, string layout) = (issuer, _random.Next(4)) switch
        {
            ("amex", 0) => ($"{digits[..4]} {digits[4..10]} {digits[10..]}", "4-6-5 spaced"),
            ("amex", 1) => ($"{digits[..4]}-{digits[4..10]}-{digits[10..]}", "4-6-5 hyphenated"),
            ("diners", 0) => ($"{digits[..4]} {digits[4..10]} {digits[10..]}", "4-6-4 spaced"),
            ("diners", 1) => ($"{digits[..4]}-{digits[4..10]}-{digits[10..]}", "4-6-4 hyphenated"),
            ("amex" or "diners", _) => (digits, "compact"),
            (_, 0) => (Group(digits, ' '), "4-4-4-4 spaced"),
            (_, 1) => (Group(digits, '-'), "4-4-4-4 hyphenated"),
            _ => (digits, "compact"),
        };
        return (value, $"{issuer} {layout}",
            ["card {v} exp 12/29", "Card number: {v}", "charge it to my Visa {v}", "credit card {v}, CVV on request", "pay with {v}", "{v}", "cc_number={v}", "my debit card is {v}.", "Amex {v}", "card no. {v}", "PAN: {v}, expiry 03/27", "\"card\": \"{v}\"",
             "total += fee; charge(\"{v}\")", "result = gateway.charge('{v}', cents)", "for (sum = 0; i < n; i++) { Pay(\"{v}\"); }"],
            ["卡号{v}请转账", "银行卡号：{v}", "信用卡 {v}，有效期12/28", "收款账号{v}", "请转到{v}", "我的储蓄卡是{v}。", "付款卡号为{v}", "{v}（招商银行）"]);
    }

    private (string, string, string[], string[]) Phone()
    {
        string[] english = ["call {v} now", "Tel: {v}", "phone {v}", "reach me at {v}.", "Mobile: {v}", "({v})", "{v}", "contact {v} after 6pm", "whatsapp {v}"];
        string[] chinese = ["电话{v}联系我", "手机：{v}", "联系电话 {v}", "请拨打{v}。", "座机{v}，分机8001", "我的号码是{v}", "号码是{v}和", "客服热线：{v}"];
        switch (_random.Next(3))
        {
            case 0:
            {
                string m = "1" + Pick(["3", "5", "7", "8", "9"]) + Digits(9);
                return _random.Next(7) switch
                {
                    0 => ($"{m[..3]} {m[3..7]} {m[7..]}", "mobile 3-4-4 spaced", english, chinese),
                    1 => ($"{m[..3]}-{m[3..7]}-{m[7..]}", "mobile 3-4-4 hyphenated", english, chinese),
                    2 => ($"+86 {m[..3]} {m[3..7]} {m[7..]}", "mobile +86 grouped", english, chinese),
                    3 => ($"+86{m}", "mobile +86 compact", english, chinese),
                    4 => ($"+86-{m}", "mobile +86-", english, chinese),
                    _ => (m, "mobile compact", english, chinese),
                };
            }

            case 1:
            {
                string area = Pick(["10", "21", "20", "22", "23", "24", "25", "27", "28", "29", "571", "755", "591", "731", "871", "512", "532", "431", "451", "898", "351", "471"]);
                string number = _random.Next(2, 10).ToString(CultureInfo.InvariantCulture) + Digits(area.Length == 2 ? 7 : _random.Next(6, 8));
                string split = number.Length == 8 ? $"{number[..4]} {number[4..]}" : $"{number[..3]} {number[3..]}";
                return _random.Next(8) switch
                {
                    0 => ($"0{area} {number}", "landline spaced", english, chinese),
                    1 => ($"(0{area}) {split}", "landline (area) grouped", english, chinese),
                    2 => ($"0{area}-{split}", "landline area-grouped", english, chinese),
                    3 => ($"0{area}-{number}", "landline hyphenated", english, chinese),
                    4 => ($"+86-{area}-{number}", "landline +86 hyphenated", english, chinese),
                    5 => ($"+86 {area} {split}", "landline +86 spaced", english, chinese),
                    6 => ($"（0{area}）{number}", "landline fullwidth brackets", english, chinese),
                    _ => ($"0{area}{number}", "landline compact", english, chinese),
                };
            }

            default:
            {
                int d() => _random.Next(2, 10);
                return _random.Next(13) switch
                {
                    0 => ($"+1 ({d()}{Digits(2)}) {d()}{Digits(2)}-{Digits(4)}", "US +1 (NXX) NXX-XXXX", english, chinese),
                    1 => ($"+1 {d()}{Digits(2)}-{d()}{Digits(2)}-{Digits(4)}", "US +1 NXX-NXX-XXXX", english, chinese),
                    2 => ($"+1{d()}{Digits(2)}{d()}{Digits(6)}", "US E.164", english, chinese),
                    3 => ($"+44 20 {Digits(4)} {Digits(4)}", "UK London", english, chinese),
                    4 => ($"+44 (0)7{Digits(3)} {Digits(6)}", "UK (0) mobile", english, chinese),
                    5 => ($"+33 {_random.Next(1, 8)} {Digits(2)} {Digits(2)} {Digits(2)} {Digits(2)}", "FR pairs", english, chinese),
                    6 => ($"+49 30 {Digits(8)}", "DE Berlin", english, chinese),
                    7 => ($"+81 3-{Digits(4)}-{Digits(4)}", "JP Tokyo", english, chinese),
                    8 => ($"+852 {d()}{Digits(3)} {Digits(4)}", "HK", english, chinese),
                    9 => ($"+886 9{Digits(2)} {Digits(3)} {Digits(3)}", "TW mobile", english, chinese),
                    10 => ($"+82 10-{Digits(4)}-{Digits(4)}", "KR mobile", english, chinese),
                    11 => ($"+7 (495) {Digits(3)}-{Digits(2)}-{Digits(2)}", "RU Moscow", english, chinese),
                    _ => ($"+61 4{Digits(2)} {Digits(3)} {Digits(3)}", "AU mobile", english, chinese),
                };
            }
        }
    }

    private (string, string, string[], string[]) Email()
    {
        string local, format;
        switch (_random.Next(6))
        {
            case 0:
                local = Pick(Surnames) + Pick(GivenNames) + (_random.Next(2) == 0 ? Digits(4) : "");
                format = "Chinese local part";
                break;
            case 1:
                local = Pick(NonAsciiLocals);
                format = "non-ASCII local part";
                break;
            default:
                local = Pick(Latin).Replace("'", "", StringComparison.Ordinal) + Pick(["", "", "2024", "+work", "_88", ".dev", "-hr"]);
                format = "ASCII";
                break;
        }

        string domain = _random.Next(4) == 0 ? Pick(IdnDomains) : Pick(AsciiDomains);
        if (domain.Any(c => c > 127))
        {
            format += ", IDN domain";
        }

        return ($"{local}@{domain}", format,
            ["contact {v} today", "Email: {v}", "<{v}>", "mailto:{v}", "send it to {v}.", "(reply to {v})", "{v}", "cc: {v}, thanks", "Zhang San <{v}>", "GET /users?email={v}&page=2", "From: \"Li\" <{v}>\nSubject: hi"],
            ["我的邮箱是{v}，谢谢", "邮箱：{v}。", "请发邮件到{v}", "联系{v}", "发送至{v}。", "邮箱{v}", "抄送{v}和领导", "电子邮件：{v}"]);
    }

    private (string, string, string[], string[]) Ip()
    {
        string[] english = ["server at {v}:8080", "ping {v}", "ssh root@{v}", "allow from {v}", "the host {v} is down", "upstream {v};", "[{v}]", "{v}", "http://{v}/admin", "route {v}/24 via eth0", "X-Forwarded-For: {v}"];
        string[] chinese = ["地址{v}访问", "服务器IP：{v}", "登录{v}失败", "请把{v}加入白名单", "IP为{v}。"];
        if (_random.Next(3) == 0)
        {
            string v6 = _random.Next(4) switch
            {
                0 => $"2001:db8:{Hex4()}:{Hex4()}::{Hex4()}",
                1 => $"fe80::{Hex4()}:{Hex4()}:{Hex4()}:{Hex4()}",
                2 => $"240e:{Hex4()}:{Hex4()}:{Hex4()}:{Hex4()}:{Hex4()}:{Hex4()}:{Hex4()}",
                _ => $"2408:{Hex4()}::{_random.Next(1, 255)}",
            };
            // An address with a port is written [v6]:port; a bare one ends the sentence or is followed by a space.
            return (v6, "IPv6", ["[{v}]:8443", "ping6 {v}", "listen on {v} only", "the peer {v} timed out", "{v}"], ["地址{v}访问", "IPv6地址：{v}，", "登录{v}失败"]);
        }

        string v4 = _random.Next(4) switch
        {
            0 => $"10.{_random.Next(256)}.{_random.Next(256)}.{_random.Next(1, 255)}",
            1 => $"192.168.{_random.Next(256)}.{_random.Next(1, 255)}",
            2 => $"172.{_random.Next(16, 32)}.{_random.Next(256)}.{_random.Next(1, 255)}",
            _ => $"{_random.Next(1, 224)}.{_random.Next(256)}.{_random.Next(256)}.{_random.Next(1, 255)}",
        };
        return (v4, "IPv4", english, chinese);
    }

    private (string, string, string[], string[]) Passport()
    {
        (string value, string format) = _random.Next(5) switch
        {
            0 => ("E" + Digits(8), "PRC E+8"),
            1 => ("E" + Pick(["A", "B", "C", "D", "F", "G", "H", "J", "K"]) + Digits(7), "PRC E+letter+7"),
            2 => ("G" + Digits(8), "PRC G+8"),
            3 => (Pick(["DE", "SE", "PE"]) + Digits(7), "PRC diplomatic/service"),
            _ => (_random.Next(2) == 0 ? Digits(9) : Pick(["K", "X", "P", "C"]) + Digits(8), "after a passport cue"),
        };
        return format == "after a passport cue"
            ? (value, format, ["passport no. {v}", "Passport number: {v}", "passport {v} expires 2030"], ["护照号码：{v}", "护照号{v}", "护照 {v}"])
            : (value, format, ["passport {v} issued 2019", "travel doc {v}", "{v}"], ["护照号{v}", "新版护照{v}。", "证件：{v}"]);
    }

    private (string, string, string[], string[]) Secret()
    {
        string[] english = ["key {v}", "export KEY={v}", "here is my token: {v}", "\"{v}\"", "{v}", "use {v} for the call"];
        string[] chinese = ["密钥{v}", "我的key是{v}，别外传", "令牌：{v}", "用这个{v}调用"];
        string b64u = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        switch (_random.Next(34))
        {
            case 0: return ("sk-proj-" + Random(b64u, 48) + "T3BlbkFJ" + Random(b64u, 48), "OpenAI project key", english, chinese);
            case 1: return ("sk-ant-api03-" + Random(b64u, 93) + "AA", "Anthropic key", english, chinese);
            case 2: return ("sk-" + Random(Hex, 32), "DeepSeek/Moonshot/DashScope sk- key", english, chinese);
            case 3: return ("AIza" + Random(b64u, 35), "Google API key", english, chinese);
            case 4: return (Pick(["AKIA", "ASIA"]) + Random("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), "AWS access key id", english, chinese);
            case 5: return ("ghp_" + Random(Alnum, 36), "GitHub classic token", english, chinese);
            case 6: return ("github_pat_" + Random(Alnum, 22) + "_" + Random(Alnum, 59), "GitHub fine-grained token", english, chinese);
            case 7: return ("glpat-" + Random(Alnum + "-_", 20), "GitLab token", english, chinese);
            case 8: return ($"xoxb-{Digits(11)}-{Digits(13)}-{Random(Alnum, 24)}", "Slack bot token", english, chinese);
            case 9: return ("sk_live_" + Random(Alnum, 24), "Stripe secret key", english, chinese);
            case 10: return ("LTAI" + Random(Alnum, 20), "Alibaba Cloud AccessKey id", english, chinese);
            case 11: return ("AKID" + Random(Alnum, 32), "Tencent Cloud SecretId", english, chinese);
            case 12: return ("hf_" + Random(Alnum, 34), "Hugging Face token", english, chinese);
            case 13: return ("npm_" + Random(Alnum, 36), "npm token", english, chinese);
            case 14: return ($"SG.{Random(b64u, 22)}.{Random(b64u, 43)}", "SendGrid key", english, chinese);
            case 15: return ("gsk_" + Random(Alnum, 52), "Groq key", english, chinese);
            case 16: return (Random(Hex, 32) + "." + Random(Alnum, 16), "Zhipu key", english, chinese);
            case 17: return ("shpat_" + Random(Hex, 32), "Shopify token", english, chinese);
            case 18: return ("dop_v1_" + Random(Hex, 64), "DigitalOcean token", english, chinese);
            case 19: return ("pypi-AgEIcHlwaS5vcmc" + Random(b64u, 60), "PyPI token", english, chinese);
            case 20: return ("lin_api_" + Random(Alnum, 40), "Linear key", english, chinese);
            case 21: return ("SK" + Random(Hex, 32), "Twilio API key", english, chinese);
            case 22: return (Jwt(), "JWT", english, chinese);
            case 23: return ("ya29." + Random(b64u, 60), "Google OAuth token", english, chinese);
            case 24: return ("xai-" + Random(Alnum, 80), "xAI key", english, chinese);
            case 25: return ("AGE-SECRET-KEY-1" + Random("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58), "age secret key", english, chinese);
            case 26:
            {
                string token = _random.Next(2) == 0 ? Jwt() : Random(b64u, _random.Next(24, 64));
                return (token, "bare Bearer value",
                    ["Authorization: Bearer {v}", "curl -H \"Authorization: Bearer {v}\" https://api.example.com", "-H 'authorization: Bearer {v}'", "bearer {v}"],
                    ["请求头加上 Authorization: Bearer {v}", "令牌 Bearer {v}"]);
            }

            case 27:
            {
                string basic = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{Pick(Latin).Replace("'", "", StringComparison.Ordinal)}:{Password()}"));
                return (basic, "Basic credential", ["Authorization: Basic {v}", "-H \"Authorization: Basic {v}\""], ["请求头 Authorization: Basic {v}"]);
            }

            case 28:
            case 29:
            {
                string pw = Password();
                return (pw, "password assignment",
                    ["PASSWORD={v}", "DB_PASSWORD={v}\nDB_HOST=db", "password: {v}", "  password: \"{v}\"", "\"password\": \"{v}\"", "MYSQL_ROOT_PASSWORD='{v}'", "spring.datasource.password={v}", "dbPassword = \"{v}\";", "pwd={v}"],
                    ["密码：{v}", "数据库密码是{v}", "登录密码：{v}，别外传", "初始密码为{v}"]);
            }

            case 30:
            {
                string value = Random(Alnum, _random.Next(24, 48));
                return (value, "secret assignment",
                    ["SECRET_KEY={v}", "api_key = \"{v}\"", "\"client_secret\": \"{v}\"", "access_token: {v}", "APP_SECRET={v}", "apiKey: '{v}'"],
                    ["密钥：{v}", "接口密钥为{v}"]);
            }

            case 31:
            case 32:
            {
                string user = Pick(["admin", "root", "app", "postgres", "svc_user", "deploy"]);
                string pw = Password() + Pick(["", "#1", "#x", "@9", "/a"]);
                string url = $"{user}:{pw}";
                string host = Pick(["db.internal", "mysql-primary", "localhost", "pg.example.com", "cluster0.ab1cd.mongodb.net"]);
                string scheme = Pick(["postgres", "postgresql", "mysql", "mongodb", "mongodb+srv", "redis", "amqp", "https"]);
                return (url, pw.Contains('#', StringComparison.Ordinal) ? "URL credentials, raw '#'" : "URL credentials",
                    [$"{scheme}://{{v}}@{host}:5432/app", $"DATABASE_URL={scheme}://{{v}}@{host}/prod", $"connect to {scheme}://{{v}}@{host}"],
                    [$"连接串：{scheme}://{{v}}@{host}/db", $"数据库地址{scheme}://{{v}}@{host}"]);
            }

            default:
            {
                string body = string.Join("\n", Enumerable.Range(0, 4).Select(_ => Random(Alnum + "+/", 64)));
                string kind = Pick(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"]);
                return ($"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----", "private key PEM", ["{v}\nthanks", "key:\n{v}"], ["私钥如下：\n{v}\n请保管"]);
            }
        }
    }

    /// <summary>A form that holds several entities, one per line or separated by Chinese punctuation.</summary>
    private void Form()
    {
        var parts = new List<(string Label, string Type, string Value)>
        {
            (_random.Next(2) == 0 ? "身份证：" : "ID: ", "cn_id", IdNumber(valid: true)),
            (_random.Next(2) == 0 ? "手机：" : "Phone: ", "phone", "1" + Pick(["3", "5", "8"]) + Digits(9)),
            (_random.Next(2) == 0 ? "邮箱：" : "Email: ", "email", $"{Pick(Latin).Replace("'", "", StringComparison.Ordinal)}@{Pick(AsciiDomains)}"),
            (_random.Next(2) == 0 ? "卡号：" : "Card: ", "bank_card", Group(CardNumber().Digits, ' ')),
        };
        var sb = new StringBuilder(_random.Next(2) == 0 ? "姓名：张三\n" : "Name: Zhang San\n");
        var entities = new List<(string, int, int)>();
        string separator = _random.Next(2) == 0 ? "\n" : "，";
        foreach (var (label, type, value) in parts.OrderBy(_ => _random.Next()))
        {
            sb.Append(label);
            entities.Add((type, sb.Length, value.Length));
            sb.Append(value).Append(separator);
        }

        _items.Add(new LabelledText(sb.ToString(), entities, "form/mixed"));
    }

    // ---------------------------------------------------------------- hard negatives

    private void Negative()
    {
        var (type, kind, text) = _random.Next(25) switch
        {
            0 => ("bank_card", "order number passing Luhn", Pick(["淘宝订单号：{n}", "订单号{n}已发货", "Order #{n} shipped", "order id: {n}", "交易单号 {n}", "流水号：{n}", "快递单号{n}", "tracking number {n}", "Invoice no. {n}", "支付宝交易号{n}"]).Replace("{n}", LuhnNumber(_random.Next(16, 20)), StringComparison.Ordinal)),
            1 => ("bank_card", "arithmetic result passing Luhn", Arithmetic()),
            2 => ("cn_id", "ID with a wrong check digit", Pick(["身份证号：{n}", "ID number {n}", "证件号码{n}", "{n}"]).Replace("{n}", WrongId(), StringComparison.Ordinal)),
            3 => ("cn_id", "ID with an impossible date or region", Pick(["身份证号：{n}", "ID {n}", "编号{n}"]).Replace("{n}", ImpossibleId(), StringComparison.Ordinal)),
            4 => ("cn_id", "spaced ID with a wrong check digit", SpacedWrongId()),
            5 => ("cn_uscc", "number passing the USCC check by chance", Pick(["订单号：{n}", "流水号{n}", "Order {n}", "交易号 {n}", "快递单号：{n}", "ticket {n}", "序列号{n}"]).Replace("{n}", UsccByChance(), StringComparison.Ordinal)),
            6 => ("ip", "four-part version", Pick(["[assembly: AssemblyVersion(\"{n}\")]", "<FileVersion>{n}</FileVersion>", "version {n}", "版本 {n}", "Version: {n}", "build {n} released", "升级到版本{n}", "firmware v{n}", "\"version\": \"{n}\""]).Replace("{n}", $"{_random.Next(0, 20)}.{_random.Next(0, 20)}.{_random.Next(0, 200)}.{_random.Next(0, 100)}", StringComparison.Ordinal)),
            7 => ("phone", "signed count", Pick(["+{n} bytes", "file grew by +{n} bytes", "+{n} lines, -{m} lines", "净增 +{n} 行", "+{n} tokens", "diff: +{n} -{m}", "score +{n} points"]).Replace("{n}", Digits(_random.Next(7, 12), leading: true), StringComparison.Ordinal).Replace("{m}", Digits(5, leading: true), StringComparison.Ordinal)),
            8 => ("phone", "date, time or range", Pick(["2024-01-15 10:30:00", "从 2019-2024 年", "日期 20240115 至 20241231", "ISBN 978-7-111-54742-6", "邮编 310000，门牌 1203", "1,234,567,890 元", "用时 12345678 ms"])),
            9 => ("email", "image scale or file name", Pick(["icon@2x.png", "logo@3x.jpg", "sprite@2x.webp", "background-image: url(hero@2x.jpg)", "assets/banner@1.5x.png", "btn@2x.svg"])),
            10 => ("email", "package, decorator or handle", Pick(["npm i lodash@4.17.21", "\"react\": \"react@18.2.0\"", "@Override public void run()", "ping @alice on Slack", "nginx@sha256:abcdef", "pip install foo==1.0 @ file", "user@localhost", "价格@5元"])),
            11 => ("secret", "URL template placeholder", Pick(["postgres://{user}:{password}@{host}:5432/{db}", "mysql://<user>:<password>@localhost/app", "redis://:${REDIS_PASSWORD}@redis:6379", "mongodb://%(user)s:%(password)s@%(host)s", "amqp://[username]:[password]@broker", "postgres://USER:PASSWORD@HOST/DB", "https://user:password@example.com"])),
            12 => ("secret", "token placeholder", Pick(["xoxb-your-token", "sk-your-api-key-here", "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "OPENAI_API_KEY=<your-key>", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "Authorization: Bearer <token>", "Authorization: Bearer $TOKEN", "Authorization: Bearer ${ACCESS_TOKEN}", "AKIAXXXXXXXXXXXXXXXX", "api_key: YOUR_API_KEY"])),
            13 => ("secret", "assignment without a value", Pick(["PASSWORD=${DB_PASSWORD}", "password: ${{ secrets.DB_PASSWORD }}", "api_key = os.environ[\"API_KEY\"]", "token = process.env.GITHUB_TOKEN", "password: string;", "def login(password: str):", "max_tokens: 1024", "PASSWORD=", "password=********", "secret: my-app-secret", "token_type: bearer", "bypass = true", "password = request.form.get('password')", "pwd=$(pwd)", "PWD=/home/user", "密码：见附件", "password is required"])),
            14 => ("secret", "prose about keys", Pick(["Bearer authentication is described in RFC 6750.", "use a Bearer token in the header", "the secret is to keep it simple", "password must be at least 8 characters", "rotate the token every 90 days", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----", "a task-list of risk-free items", "git@github.com:org/repo.git"])),
            15 => ("bank_card", "timestamp or snowflake", Pick(["ts=1{n}", "created_at: 1{n}", "snowflake id 1{n}"]).Replace("{n}", Digits(_random.Next(12, 19)), StringComparison.Ordinal)),
            16 => ("ip", "dotted non-address", Pick(["1.2.3", "256.1.1.1", "OID 1.3.6.1.4.1.311", "10.0.0.0.1", "section 3.2.1", "v1.2.3.4"])),
            17 => ("passport", "passport words", Pick(["passport office hours", "护照办理需要15个工作日", "passport photo size", "E1234567 is too short"])),
            18 => ("phone", "too short or too long", "号码" + Digits(_random.Next(5, 8), leading: true) + "不是手机"),
            19 => ("bank_card", "card-length number without an issuer prefix", Pick(["编号 {n}", "code {n}", "{n}"]).Replace("{n}", Pick(["1", "7", "8", "9"]) + Digits(17)[..(_random.Next(15, 18))], StringComparison.Ordinal)),
            20 => ("bank_card", "ID-like number with a wrong check digit, compact", "号码" + WrongId()),
            21 => ("cn_uscc", "17-character or bad-alphabet code", "代码" + Uscc()[..17]),
            22 => ("email", "mention or no domain", Pick(["handle @alice on the site", "alice@localhost", "a@b", "bad tld alice@example.c0m"])),
            23 => ("bank_card", "labelled total passing Luhn", Pick(["total = {n}", "合计：{n}", "the sum is {n}", "结果为{n}", "总计 {n}", "result: {n}", "Total: {n}", "sum += {n}"]).Replace("{n}", LuhnNumber(_random.Next(16, 20)), StringComparison.Ordinal)),
            _ => ("ip", "time or MAC", Pick(["time 12:30:45", "mac 00:1a:2b:3c:4d:5e", "C++ Abc::Def", "ratio 16:9:4"])),
        };
        _items.Add(new LabelledText(text, [], $"negative {type}/{kind}"));
    }

    private string Arithmetic()
    {
        while (true)
        {
            long a = _random.NextInt64(10_000_000, 99_999_999), b = _random.NextInt64(100_000_000, 999_999_999);
            string product = (a * b).ToString(CultureInfo.InvariantCulture);
            if (product.Length >= 16 && "3456".Contains(product[0], StringComparison.Ordinal) && Luhn(product))
            {
                return Pick(["{a} × {b} = {p}", "{a} * {b} = {p}", "计算结果：{a}×{b}={p}", ">>> {a} * {b}\n{p}"])
                    .Replace("{a}", a.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{b}", b.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{p}", product, StringComparison.Ordinal);
            }
        }
    }

    private string SpacedWrongId()
    {
        string id = WrongId();
        return Pick(["身份证：{a} {b} {c}", "ID {a}-{b}-{c}"]).Replace("{a}", id[..6], StringComparison.Ordinal).Replace("{b}", id[6..14], StringComparison.Ordinal).Replace("{c}", id[14..], StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- values

    private string IdNumber(bool valid)
    {
        var birth = new DateTime(1940, 1, 1).AddDays(_random.Next(0, 365 * 68));
        string body = Pick(Regions) + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + Digits(3);
        char check = IdCheck(body);
        if (!valid)
        {
            check = "10X98765432"[("10X98765432".IndexOf(check, StringComparison.Ordinal) + _random.Next(1, 11)) % 11];
        }

        return body + check;
    }

    private string WrongId() => IdNumber(valid: false);

    private string ImpossibleId()
    {
        string body = _random.Next(3) switch
        {
            0 => Pick(Regions) + "1990" + "0230" + Digits(3),
            1 => "99" + Digits(4) + "19850612" + Digits(3),
            _ => Pick(Regions)[..2] + "00" + Digits(2) + "19850612" + Digits(3),
        };
        return body + IdCheck(body);
    }

    private static char IdCheck(string body)
    {
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        int sum = 0;
        for (int i = 0; i < 17; i++)
        {
            sum += (body[i] - '0') * weights[i];
        }

        return "10X98765432"[sum % 11];
    }

    private string Uscc()
    {
        string head = Pick(["91", "92", "93", "11", "12", "13", "51", "52", "53", "Y1"]) + Pick(Regions);
        string org = _random.Next(3) == 0 ? "MA" + Random(UsccAlphabet, 6) : Digits(8);
        int[] weights = [3, 7, 9, 10, 5, 8, 4, 2];
        int sum = 0;
        for (int i = 0; i < 8; i++)
        {
            sum += (char.IsAsciiDigit(org[i]) ? org[i] - '0' : org[i] - 'A' + 10) * weights[i];
        }

        int c = 11 - (sum % 11);
        string body = head + org + (c == 10 ? "X" : c == 11 ? "0" : c.ToString(CultureInfo.InvariantCulture));
        return body + UsccCheck(body);
    }

    private string UsccByChance()
    {
        while (true)
        {
            string body = Digits(17, leading: true);
            char check = UsccCheck(body);
            if (char.IsAsciiDigit(check))
            {
                return body + check;
            }
        }
    }

    private static char UsccCheck(string body)
    {
        int[] weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
        int sum = 0;
        for (int i = 0; i < 17; i++)
        {
            sum += UsccAlphabet.IndexOf(body[i], StringComparison.Ordinal) * weights[i];
        }

        int c = 31 - (sum % 31);
        return UsccAlphabet[c == 31 ? 0 : c];
    }

    private (string Digits, string Issuer) CardNumber()
    {
        (string prefix, int length, string issuer) = _random.Next(11) switch
        {
            0 or 1 => ("4" + Digits(5), 16, "visa"),
            2 => (_random.Next(51, 56).ToString(CultureInfo.InvariantCulture) + Digits(4), 16, "mastercard"),
            3 => (_random.Next(2221, 2721).ToString(CultureInfo.InvariantCulture) + Digits(2), 16, "mastercard 2-series"),
            4 or 5 => (Pick(["622202", "621700", "622848", "622588", "621483", "622609", "623058", "625807"]), 16, "unionpay"),
            6 => (Pick(["622202", "621700", "622848", "621226", "623668"]), 19, "unionpay 19"),
            7 => (Pick(["34", "37"]) + Digits(4), 15, "amex"),
            8 => (Pick(["36", "38", "300", "305"]) + Digits(3), 14, "diners"),
            9 => (_random.Next(3528, 3590).ToString(CultureInfo.InvariantCulture) + Digits(2), 16, "jcb"),
            _ => ("6011" + Digits(2), 16, "discover"),
        };
        string body = prefix + Digits(length - prefix.Length - 1);
        return (body + LuhnDigit(body), issuer);
    }

    private string LuhnNumber(int length)
    {
        string body = Pick(["4", "5", "6", "3"]) + Digits(length - 2);
        return body + LuhnDigit(body);
    }

    private string Password()
    {
        const string symbols = "!@%^&*_-+=.";
        string core = Pick(["Summer", "Dragon", "Passw0rd", "Qwer", "Tiger", "Lotus", "Hello", "Admin", "Zhang", "Moon"]) + Digits(_random.Next(2, 5));
        return _random.Next(3) switch
        {
            0 => core + symbols[_random.Next(symbols.Length)],
            1 => Random(Alnum, _random.Next(10, 20)),
            _ => symbols[_random.Next(symbols.Length)] + core,
        };
    }

    private string Jwt()
    {
        string b64u = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + Random(b64u, _random.Next(20, 80)) + "." + Random(b64u, 43);
    }

    private static bool Luhn(string digits)
    {
        int sum = 0;
        for (int i = 0; i < digits.Length; i++)
        {
            int d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d = d * 2 > 9 ? (d * 2) - 9 : d * 2;
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    private static char LuhnDigit(string body)
    {
        for (char c = '0'; c <= '9'; c++)
        {
            if (Luhn(body + c))
            {
                return c;
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    private static string Group(string digits, char separator)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < digits.Length; i += 4)
        {
            if (i > 0)
            {
                sb.Append(separator);
            }

            sb.Append(digits, i, Math.Min(4, digits.Length - i));
        }

        return sb.ToString();
    }

    private string Digits(int n, bool leading = false)
    {
        var chars = new char[n];
        for (int i = 0; i < n; i++)
        {
            chars[i] = (char)('0' + (i == 0 && leading ? _random.Next(1, 10) : _random.Next(10)));
        }

        return new string(chars);
    }

    private string Hex4() => _random.Next(1, 0xFFFF).ToString("x", CultureInfo.InvariantCulture);

    private string Random(string alphabet, int n)
    {
        var chars = new char[n];
        for (int i = 0; i < n; i++)
        {
            chars[i] = alphabet[_random.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    private T Pick<T>(T[] options) => options[_random.Next(options.Length)];
}
