-- wrk script for bench/db_search_bench.py: POSTs the request bodies of a file (one JSON body per
-- line) to one path, round robin.   wrk ... -s db_search.lua URL -- BODIES.jsonl PATH
-- Requests are formatted once in init(): formatting a 2 KB request per call in Lua costs the
-- client more CPU than a small search costs the server, and the client must not be the bottleneck.
local requests = {}
local n = 0

function init(args)
  local headers = {["Content-Type"] = "application/json"}
  for line in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format("POST", args[2], headers, line)
  end
end

function request()
  n = n + 1
  return requests[(n % #requests) + 1]
end
