-- wrk script for bench/module_cases.py: POST /api/v1/opinions with a valid JSON body (a different
-- title and phone per request), count the answers by status and keep every tracking number that
-- came back with 201, so the benchmark can check that none of them is missing from the database.
-- Prints one BENCH_JSON line (latencies in microseconds) and writes the tracking numbers to the
-- file named by the environment variable CASES_TRACK_FILE (one per line).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  created, other, numbers = 0, 0, {}
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"kind":"complaint","title":"压测意见 %d-%d 路灯不亮","body":"村口的路灯坏了一个星期，晚上出行很不安全，请尽快维修。编号 %d-%d",' ..
    '"name":"压测群众","phone":"139%04d%04d","is_public":true}', tid, counter, tid, counter, tid, counter % 10000)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
    local no = body:match('"tracking_no"%s*:%s*"([^"]+)"')
    if no then numbers[#numbers + 1] = no end
  else
    other = other + 1
  end
end

done = function(summary, latency, requests)
  local total_created, total_other = 0, 0
  local path = os.getenv("CASES_TRACK_FILE")
  local f = path and io.open(path, "w")
  for _, t in ipairs(threads) do
    total_created = total_created + t:get("created")
    total_other = total_other + t:get("other")
    if f then
      for _, no in ipairs(t:get("numbers")) do f:write(no, "\n") end
    end
  end
  if f then f:close() end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"status_errors":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f,' ..
    '"created":%d,"other_status":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, total_created, total_other))
end
