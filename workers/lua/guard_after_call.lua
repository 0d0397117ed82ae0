-- include: server_time.lua
--
-- After a model call (guard.py): give the slot back and report the outcome to the endpoint's
-- circuit breaker. An outage counts as a failure; an answer (even an HTTP 400) closes it;
-- anything else (a bug, a soft time limit) leaves it as it is.
--
-- KEYS: breaker[, slots].
-- ARGV: outcome ('answered', 'outage' or 'other'), token, threshold, error, ttl_ms.
-- Returns the breaker's transition: 'open', 'closed' or ''.

-- Counts a transport failure; returns 1 if it opened the breaker: `threshold` consecutive
-- failures, or a failed probe. The hash expires ttl_ms after the last failure, so failures
-- far apart are not counted as one outage.
local function breaker_failure(key, threshold, error, ttl_ms, now)
  local state = redis.call('HGET', key, 'state')
  local failures = redis.call('HINCRBY', key, 'failures', 1)
  redis.call('HSET', key, 'last_error', error)
  redis.call('PEXPIRE', key, ttl_ms)
  if state == 'half_open' or (state ~= 'open' and failures >= threshold) then
    redis.call('HSET', key, 'state', 'open', 'opened_at', now)
    return 1
  end
  return 0
end

-- The server answered: forget its failures. Returns the state it left (false: it was closed).
local function breaker_success(key)
  local state = redis.call('HGET', key, 'state')
  redis.call('DEL', key)
  return state
end

if #KEYS == 2 then redis.call('ZREM', KEYS[2], ARGV[2]) end
if ARGV[1] == 'outage' then
  if breaker_failure(KEYS[1], tonumber(ARGV[3]), ARGV[4], ARGV[5], now_ms()) == 1 then
    return 'open'
  end
elseif ARGV[1] == 'answered' and breaker_success(KEYS[1]) then
  return 'closed'
end
return ''
