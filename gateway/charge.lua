-- The rate-limit charge of one request (gateway/ratelimit.py).
-- KEYS: none. ARGV: key prefix, cost, limit, window seconds.
-- Returns {allowed (1/0), used, seconds until the window ends}.
local now = redis.call('TIME')
local window = tonumber(ARGV[4])
local index = math.floor(tonumber(now[1]) / window)
local reset = window - (tonumber(now[1]) % window)
local key = ARGV[1] .. ':' .. index
local used = tonumber(redis.call('GET', key) or '0')
local cost = tonumber(ARGV[2])
if used + cost > tonumber(ARGV[3]) then return {0, used, reset} end
used = redis.call('INCRBY', key, cost)
if used == cost then redis.call('EXPIRE', key, window + 1) end
return {1, used, reset}
