-- wrk script: 90% searches, 10% single-point upserts (wait=true, durable) on ids 1..100000.
math.randomseed(os.time())
local dim = 128
local function vec()
  local v = {}
  for i = 1, dim do v[i] = string.format("%.4f", math.random() * 2 - 1) end
  return "[" .. table.concat(v, ",") .. "]"
end
local searches = {}
for i = 1, 64 do searches[i] = '{"vector":' .. vec() .. ',"limit":10}' end
local vectors = {}
for i = 1, 64 do vectors[i] = vec() end
local n = 0
request = function()
  n = n + 1
  local h = {["Content-Type"] = "application/json"}
  if n % 10 == 0 then
    local id = math.random(1, 100000)
    local body = '{"points":[{"id":' .. id .. ',"vector":' .. vectors[(n % 64) + 1] ..
                 ',"payload":{"k":' .. n .. '}}]}'
    return wrk.format("PUT", "/collections/bench/points?wait=true", h, body)
  end
  return wrk.format("POST", "/collections/bench/points/search", h, searches[(n % 64) + 1])
end
