namespace Candor.Core.Privacy.Redaction;

/// <summary>The entity types the redaction engine finds. The order is the priority when two findings
/// overlap: the earlier kind wins (a URL's credentials before the e-mail-like tail, an ID number before
/// a bank-card reading of the same digits).</summary>
internal enum EntityKind : byte
{
    /// <summary>API keys, cloud access keys, private-key PEM blocks, JWTs, credentials in URLs (<c>secret</c>).</summary>
    Secret,

    /// <summary>E-mail addresses (<c>email</c>).</summary>
    Email,

    /// <summary>PRC resident identity numbers, GB 11643 (<c>cn_id</c>).</summary>
    CnId,

    /// <summary>PRC unified social credit codes, GB 32100 (<c>cn_uscc</c>).</summary>
    CnUscc,

    /// <summary>Payment card numbers, 16–19 digits with a valid Luhn digit (<c>bank_card</c>).</summary>
    BankCard,

    /// <summary>Mainland China mobile numbers (with or without +86) and E.164 numbers (<c>phone</c>).</summary>
    Phone,

    /// <summary>IPv4 and IPv6 addresses (<c>ip</c>).</summary>
    Ip,

    /// <summary>Passport numbers: PRC formats, and any number introduced by "passport"/"护照" (<c>passport</c>).</summary>
    Passport,
}
