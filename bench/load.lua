-- wrk script for bench/load.py: each connection is one user asking for the request paths
-- listed one per line in the file named by LOAD_PATHS, in turn. Every answer that is not 200
-- counts as an error (wrk itself counts only 4xx/5xx and socket errors, so a redirect would
-- otherwise pass for a fast search). The summary is one JSON line.
--
-- Without LOAD_THREAD_RATE a user asks again as soon as an answer arrives. With it, each wrk
-- thread sends at most that many requests a second, spread evenly: a connection whose answer
-- has arrived waits for the thread's next free slot (wrk calls delay() before each request
-- and starts the latency clock after it). A slot missed because every user was still waiting
-- is not made up later, so the rate reached never exceeds the rate offered.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } load_timespec;
int clock_gettime(int clock, load_timespec *now);
]]
local MONOTONIC = 1
local clock = ffi.new("load_timespec[1]")

local function now_ms()
   ffi.C.clock_gettime(MONOTONIC, clock)
   return tonumber(clock[0].tv_sec) * 1000 + tonumber(clock[0].tv_nsec) / 1e6
end

local thread_rate = tonumber(os.getenv("LOAD_THREAD_RATE") or "0")
if thread_rate > 0 then
   local interval = 1000 / thread_rate
   local next_slot = nil

   function delay()
      local now = now_ms()
      if next_slot == nil or next_slot < now then
         next_slot = now
      end
      local wait = next_slot - now
      next_slot = next_slot + interval
      return math.floor(wait)
   end
end

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   for line in io.lines(os.getenv("LOAD_PATHS")) do
      paths[#paths + 1] = line
   end
   -- Threads start at different places in the list, so they do not ask in lockstep.
   cursor = (id * 7919) % #paths
   ok, not_ok = 0, 0
   headers = {
      -- As the TLS proxy in front of gunicorn would say (docs/deploy.md).
      ["X-Forwarded-Proto"] = "https",
      -- nginx, as docs/deploy.md configures it, opens one connection to gunicorn per
      -- request; kept-alive connections would instead pin each user to one gunicorn worker.
      ["Connection"] = "close",
      ["Accept"] = os.getenv("LOAD_ACCEPT") or "*/*",
   }
end

function request()
   cursor = cursor % #paths + 1
   return wrk.format("GET", paths[cursor], headers)
end

function response(status, headers, body)
   if status == 200 then
      ok = ok + 1
   else
      not_ok = not_ok + 1
   end
end

function done(summary, latency, requests)
   local good, bad = 0, 0
   for _, thread in ipairs(threads) do
      good = good + thread:get("ok")
      bad = bad + thread:get("not_ok")
   end
   local e = summary.errors
   io.write(string.format(
      'LOADJSON {"requests": %d, "duration_us": %d, "bytes": %d, "ok": %d, "not_ok": %d, '
         .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, '
         .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.0f}\n',
      summary.requests, summary.duration, summary.bytes, good, bad,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean
   ))
end
