-- wrk script for bench_collector.py: POSTs reports with unique batch ids to the collector and
-- records every batch id answered 2xx (one file per thread). Run it with as many threads as
-- connections, so each thread has one request on the wire at a time and an answer belongs to
-- the last request. A request that got no answer (the server was killed) is sent again with the
-- same batch id, as the app's outbox does; with CC_REPEAT=1 every tenth request also repeats an
-- already answered batch (its answer "lost"), which must come back as a duplicate.
-- Environment: CC_TOKEN, CC_TEMPLATE (a report whose batch_id is BATCHID), CC_OUT, CC_REPEAT.

local token = os.getenv("CC_TOKEN")
local file = assert(io.open(os.getenv("CC_TEMPLATE"), "rb"))
local template = file:read("*a")
file:close()
local out_dir = os.getenv("CC_OUT")
local repeat_answered = os.getenv("CC_REPEAT") == "1"
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
local threads, made = {}, 0

function setup(thread)
  made = made + 1
  thread:set("tid", made)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(tid * 7919 + os.time())
  prefix = string.format("%08x", math.random(0, 0x7fffffff))
  issued, sent, wire = 0, 0, nil
  answered, answered_n = {}, 0
  ok, refused, resent, repeated, duplicates = 0, 0, 0, 0, 0
  acks = assert(io.open(out_dir .. "/acked-" .. tid .. ".txt", "w"))
  acks:setvbuf("no")
end

function request()
  local id
  if wire ~= nil then
    id = wire -- the last try got no answer: the same batch again
    resent = resent + 1
  elseif repeat_answered and answered_n > 0 and sent % 10 == 9 then
    id = answered[math.random(answered_n)]
    repeated = repeated + 1
  else
    issued = issued + 1
    id = string.format("%s-%04x-4000-8000-%012x", prefix, tid, issued)
  end
  sent = sent + 1
  wire = id
  return wrk.format("POST", "/v1/reports", headers, (template:gsub("BATCHID", id)))
end

function response(status, hdrs, body)
  if wire ~= nil and status >= 200 and status < 300 then
    ok = ok + 1
    if status == 200 then
      duplicates = duplicates + 1
    else
      answered_n = answered_n + 1
      answered[answered_n] = wire
    end
    acks:write(wire, "\n")
  elseif wire ~= nil then
    refused = refused + 1
  end
  wire = nil
end

function done(summary, latency, requests)
  local totals = {ok = 0, refused = 0, resent = 0, repeated = 0, duplicates = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"duration_us": %d, "requests": %d, "ok": %d, "refused": %d, "resent": %d, ' ..
    '"repeated": %d, "duplicates": %d, "p50_us": %d, "p99_us": %d, "errors": ' ..
    '{"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.duration, summary.requests, totals.ok, totals.refused, totals.resent,
    totals.repeated, totals.duplicates, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
