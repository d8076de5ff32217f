-- The same request every time: PERMIT_WRK_METHOD, PERMIT_WRK_PATH, PERMIT_WRK_HEADERS and
-- the body in the file PERMIT_WRK_BODY (if set). With PERMIT_WRK_UNIQUE_KEY=1, each
-- request carries an Idempotency-Key of its own (thread, counter and PERMIT_WRK_RUN).

local method = os.getenv("PERMIT_WRK_METHOD") or "GET"
local path = os.getenv("PERMIT_WRK_PATH") or "/"
local body_file = os.getenv("PERMIT_WRK_BODY")
local body = body_file and read_file(body_file) or nil
local unique = os.getenv("PERMIT_WRK_UNIQUE_KEY") == "1"
local run = os.getenv("PERMIT_WRK_RUN") or "run"
local headers = headers_from_env()
local counter = 0
local fixed_request = nil

function init(args)
   if not unique then
      fixed_request = wrk.format(method, path, headers, body)
   end
end

function request()
   if fixed_request then return fixed_request end
   counter = counter + 1
   headers["Idempotency-Key"] = string.format("%s-%d-%d", run, id, counter)
   return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
   check_status(status)
end
