-- wrk script: POST /collections/bench/points/search with a random 128-d query, top 10.
math.randomseed(os.time())
local dim = 128
local function query()
  local v = {}
  for i = 1, dim do v[i] = string.format("%.4f", math.random() * 2 - 1) end
  return '{"vector":[' .. table.concat(v, ",") .. '],"limit":10}'
end
local bodies = {}
for i = 1, 64 do bodies[i] = query() end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/collections/bench/points/search",
                    {["Content-Type"] = "application/json"}, bodies[(n % 64) + 1])
end
