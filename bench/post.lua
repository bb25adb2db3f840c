-- wrk script for Candor's benchmark: POSTs one JSON body and prints one line
-- "JSON {...}" with throughput, latency percentiles (p99.9 included) and error counts.
-- Env: BODY (JSON text), API_KEY, EXTRA_HEADERS ("k: v|k2: v2").
wrk.method = "POST"
wrk.body = os.getenv("BODY") or '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("API_KEY") or "sk-bench")
local extra = os.getenv("EXTRA_HEADERS")
if extra and extra ~= "" then
  for pair in string.gmatch(extra, "[^|]+") do
    local k, v = pair:match("^%s*([^:]+):%s*(.-)%s*$")
    if k then wrk.headers[k] = v end
  end
end

done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  local function p(q) return latency:percentile(q) / 1000 end
  io.write(string.format(
    'JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
    summary.requests, s, summary.requests / s, p(50), p(90), p(99), p(99.9), latency.max / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
