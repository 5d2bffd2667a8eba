-- submit.lua: wrk posts varied jobs to POST /jobs (names, frequencies, scripts, zones differ
-- per request) and reports latency percentiles and the count of 201 answers. The jobs start a
-- day from now, so that none fires while the benchmark measures submissions (a `*/5` cron job
-- would otherwise fire by the thousand at the next five-minute boundary).
local frequencies = { "30s", "5m", "1h30m", 60000, "*/5 * * * *", "0 3 * * *", "@hourly", "PT10M" }
local zones = { "UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata" }
local counter = 0
local startdate = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 86400)
created = 0  -- global: read by done() through thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  created = 0
end

function request()
  counter = counter + 1
  local frequency = frequencies[counter % #frequencies + 1]
  if type(frequency) == "string" then frequency = '"' .. frequency .. '"' end
  local body = string.format(
    '{"name":"bench-%d","description":"benchmark job %d","frequency":%s,"startdate":"%s","script":"echo run %d >> /dev/null","timezone":"%s","retries":%d}',
    counter, counter, frequency, startdate, counter, zones[counter % #zones + 1], counter % 3)
  return wrk.format("POST", "/jobs", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("created") end
  io.write(string.format("wrk: requests %d, 201s %d, errors %d, p50 %.2f ms, p99 %.2f ms, duration %.2f s\n",
    summary.requests, total, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
