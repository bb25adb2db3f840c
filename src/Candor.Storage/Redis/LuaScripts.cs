namespace Candor.Storage.Redis;

/// <summary>The shared limiter's Redis scripts. Each runs atomically and dates itself with Redis's <c>TIME</c>.
/// A bucket is a hash {l: level, t: last refill (ms), c: capacity} that refills continuously at its capacity per
/// minute, exactly as <see cref="Core.Admission.TokenBucket"/> does (a changed limit keeps what was used); a missing
/// bucket is full, so buckets expire once they would be full again. Concurrency slots are a sorted set of lease ids
/// scored by expiry (ms). A limit of -1 means none. Every figure returned is a whole number (Lua numbers become
/// integers on the way out): remaining units rounded down, waits in ms rounded up.</summary>
internal static class LuaScripts
{
    private const string Functions = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local function level(key, cap)
          local v = redis.call('HMGET', key, 'l', 't', 'c')
          local l, last, c = tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
          if l == nil then return cap end
          if c ~= cap then l = math.max(0, cap - (c - l)) end
          if now > last and cap > 0 then l = math.min(cap, l + (now - last) / 60000 * cap) end
          return l
        end
        local function save(key, l, cap)
          redis.call('HSET', key, 'l', tostring(l), 't', now, 'c', cap)
          redis.call('PEXPIRE', key, 120000)
        end
        local function untilfull(l, cap)
          if cap <= 0 then return 0 end
          return math.ceil((cap - l) / cap * 60000)
        end
        local function wait(units, l, cap)
          if units > cap or cap <= 0 then return 60000 end
          return math.ceil((units - l) / cap * 60000)
        end
        local function figures(key, cap)
          if cap < 0 then return 0, 0 end
          local l = level(key, cap)
          return math.floor(l), untilfull(l, cap)
        end

        """;

    /// <summary>KEYS: requests bucket, slots, tokens bucket (read only). ARGV: rpm, concurrency, lease id, lease ttl (ms), tpm.
    /// Returns {allowed, exceeded (0 none, 1 requests, 2 concurrency), wait ms, requests left, ms until full, tokens left,
    /// ms until full}.</summary>
    public const string Acquire = Functions + """
        local rpm, conc, lease, ttl, tpm = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
        local tl, tf = figures(KEYS[3], tpm)
        if conc >= 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
          if redis.call('ZCARD', KEYS[2]) >= conc then
            local left, full = figures(KEYS[1], rpm)
            return {0, 2, 1000, left, full, tl, tf}
          end
        end
        local left, full = 0, 0
        if rpm >= 0 then
          local l = level(KEYS[1], rpm)
          if l < 1 then
            save(KEYS[1], l, rpm)
            return {0, 1, wait(1, l, rpm), math.floor(l), untilfull(l, rpm), tl, tf}
          end
          l = l - 1
          save(KEYS[1], l, rpm)
          left, full = math.floor(l), untilfull(l, rpm)
        end
        if conc >= 0 then
          redis.call('ZADD', KEYS[2], now + ttl, lease)
          redis.call('PEXPIRE', KEYS[2], ttl * 2)
        end
        return {1, 0, 0, left, full, tl, tf}
        """;

    /// <summary>KEYS: tokens bucket, requests bucket. ARGV: tpm, rpm, tokens. Refused, the request's unit goes back to the
    /// requests bucket (a request refused for tokens does not count). Returns {allowed, wait ms, requests left, ms until
    /// full, tokens left, ms until full}.</summary>
    public const string ReserveTokens = Functions + """
        local tpm, rpm, units = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        if tpm < 0 then
          local rl, rf = figures(KEYS[2], rpm)
          return {1, 0, rl, rf, 0, 0}
        end
        local l = level(KEYS[1], tpm)
        if l >= units then
          l = l - units
          save(KEYS[1], l, tpm)
          local rl, rf = figures(KEYS[2], rpm)
          return {1, 0, rl, rf, math.floor(l), untilfull(l, tpm)}
        end
        save(KEYS[1], l, tpm)
        local rl, rf = 0, 0
        if rpm >= 0 then
          local r = math.min(rpm, level(KEYS[2], rpm) + 1)
          save(KEYS[2], r, rpm)
          rl, rf = math.floor(r), untilfull(r, rpm)
        end
        return {0, wait(units, l, tpm), rl, rf, math.floor(l), untilfull(l, tpm)}
        """;

    /// <summary>KEYS: slots, tokens bucket. ARGV: lease id ('' for none), tpm, tokens to refund.</summary>
    public const string Release = Functions + """
        if ARGV[1] ~= '' then redis.call('ZREM', KEYS[1], ARGV[1]) end
        local tpm, refund = tonumber(ARGV[2]), tonumber(ARGV[3])
        if tpm >= 0 and refund > 0 then
          save(KEYS[2], math.min(tpm, level(KEYS[2], tpm) + refund), tpm)
        end
        return 1
        """;

    /// <summary>KEYS: slots. ARGV: lease id, ttl (ms). Pushes a held slot's expiry, and the set's, forward (an expired slot
    /// stays gone).</summary>
    public const string Renew = Functions + """
        if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1]) == 1 then
          redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
        end
        return 1
        """;
}
