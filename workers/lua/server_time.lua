-- Redis server time in milliseconds: leases and breaker timings use one clock for the whole
-- fleet, so the clocks of worker machines never matter.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
