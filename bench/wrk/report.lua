-- Shared by every script bench/load.py runs (it puts this file first): numbering the
-- threads, checking each answer's status, and one machine-readable summary line.
--
-- Settings come from the environment, which every thread's Lua state can read:
--   PERMIT_WRK_EXPECT   the status every answer should have, such as 200 or 201
--   PERMIT_WRK_THREADS  how many threads wrk runs (-t)
--   PERMIT_WRK_PORTS    optional, "5001,5002": the threads take these ports of 127.0.0.1
--                       in turn, spreading the load over several instances (bench/instances.py)

local threads = {}
local expect = tonumber(os.getenv("PERMIT_WRK_EXPECT") or "200")
local ports = {}
for port in string.gmatch(os.getenv("PERMIT_WRK_PORTS") or "", "%d+") do
   table.insert(ports, port)
end

function setup(thread)
   thread:set("id", #threads)
   if #ports > 0 then
      thread.addr = wrk.lookup("127.0.0.1", ports[(#threads % #ports) + 1])[1]
   end
   table.insert(threads, thread)
end

-- Per thread: answers that had another status than expected, by status.
unexpected = 0
statuses = {}

function check_status(status)
   if status ~= expect then
      unexpected = unexpected + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

-- One line, after wrk's own report: what bench/load.py reads.
function done(summary, latency, requests)
   local bad, seen, starved = 0, {}, 0
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("unexpected") or 0)
      starved = starved + (thread:get("starved") or 0)
      local counts = thread:get("statuses") or {}
      for status, n in pairs(counts) do
         seen[#seen + 1] = string.format('"%d": %d', status, n)
      end
   end
   local e = summary.errors
   io.write(string.format(
      'WRK-RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
      '"p99_us": %d, "mean_us": %.1f, "connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d, "unexpected": %d, "starved": %d, "statuses": {%s}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), latency.mean, e.connect, e.read, e.write, e.status, e.timeout,
      bad, starved, table.concat(seen, ", ")))
end

-- Headers from PERMIT_WRK_HEADERS: "Name: value" lines.
function headers_from_env()
   local headers = {}
   for line in string.gmatch(os.getenv("PERMIT_WRK_HEADERS") or "", "[^\n]+") do
      local name, value = string.match(line, "^([^:]+):%s*(.*)$")
      if name then headers[name] = value end
   end
   return headers
end

function read_file(path)
   local file = assert(io.open(path, "rb"))
   local text = file:read("*a")
   file:close()
   return text
end
