-- Requests on a pool of Permit requests read from PERMIT_WRK_POOL, one "reference etag"
-- line each; thread n of PERMIT_WRK_THREADS takes every line whose number is n modulo the
-- thread count, so no two threads share one.
--
-- PERMIT_WRK_MODE:
--   once    each item once (submit, decide): POST PERMIT_WRK_PATH with the item's
--           reference in place of {ref}, its ETag in If-Match and an Idempotency-Key of
--           its own. When a thread has used every item it starts again from its first,
--           and counts it as starved (those answers are refusals, not measurements).
--   cycle   the items again and again (update): each waits until its last answer is
--           back, whose ETag is the one the next change sends. The ETag names the
--           request's id ("r<id>-v<n>"), which says which item answered.

local method = os.getenv("PERMIT_WRK_METHOD") or "POST"
local path = os.getenv("PERMIT_WRK_PATH")
local mode = os.getenv("PERMIT_WRK_MODE") or "once"
local nthreads = tonumber(os.getenv("PERMIT_WRK_THREADS") or "1")
local body_file = os.getenv("PERMIT_WRK_BODY")
local body = body_file and read_file(body_file) or nil
local run = os.getenv("PERMIT_WRK_RUN") or "run"
local headers = headers_from_env()

local items = {}      -- {ref, etag}
local by_id = {}      -- request id -> item, for cycle mode
local free = {}       -- cycle mode: items with no change in flight (a queue)
local next_item = 1   -- once mode
local counter = 0
starved = 0

function init(args)
   local n = 0
   for line in io.lines(os.getenv("PERMIT_WRK_POOL")) do
      local ref, etag = string.match(line, "^(%S+)%s+(%S+)$")
      if ref then
         if n % nthreads == id then
            local item = {ref = ref, etag = etag}
            items[#items + 1] = item
            local rid = string.match(etag, '^"r(%d+)%-v')
            if rid then by_id[rid] = item end
            free[#free + 1] = item
         end
         n = n + 1
      end
   end
   assert(#items > 0, "thread " .. id .. " has no items in the pool")
end

local function take()
   if mode == "cycle" then
      if #free > 0 then return table.remove(free, 1) end
      starved = starved + 1
      return items[math.random(#items)]
   end
   if next_item > #items then
      next_item = 1
      starved = starved + 1
   end
   local item = items[next_item]
   next_item = next_item + 1
   return item
end

function request()
   local item = take()
   counter = counter + 1
   headers["If-Match"] = item.etag
   if method == "POST" then
      headers["Idempotency-Key"] = string.format("%s-%d-%d", run, id, counter)
   end
   local request_body = body
   if body and mode == "cycle" then
      request_body = string.gsub(body, "{n}", tostring(counter))
   end
   return wrk.format(method, string.gsub(path, "{ref}", item.ref), headers, request_body)
end

function response(status, headers, body)
   check_status(status)
   if mode == "cycle" then
      local etag = headers["ETag"] or headers["etag"]
      local rid = etag and string.match(etag, '^"r(%d+)%-v')
      local item = rid and by_id[rid]
      if item then
         item.etag = etag
         free[#free + 1] = item
      end
   end
end
