-- wrk script for bench/db_search_bench.py: POSTs the request bodies of a file (one JSON body per
-- line) to one path, round robin.   wrk ... -s db_search.lua URL -- BODIES.jsonl PATH
local bodies = {}
local path = "/"
local n = 0

function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  path = args[2]
end

function request()
  n = n + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/json"},
                    bodies[(n % #bodies) + 1])
end
