-- include: server_time.lua
-- include: take_slot.lua
--
-- Before a model call (guard.py): take a slot of the endpoint's fleet-wide cap, if it is
-- capped, then ask the endpoint's circuit breaker (breaker.py has its states). The slot comes
-- first so that a probe call never sits waiting for a slot while the rest of the fleet is
-- refused; a refused call gives its slot back here.
--
-- KEYS: breaker[, slots].
-- ARGV: reset_ms, probe_ms[, limit, ttl_ms, token].
-- Returns {'busy'} when the endpoint is capped and no slot is free, else the breaker's
-- answer {verdict, retry_at_ms, now_ms, failures, last_error}: verdict closed (go), probe (go,
-- as the fleet's one probe call), open (refused: the reset timeout is running) or probing
-- (refused: another call is the probe).

-- The breaker's answer; moves an open breaker whose reset timeout ran out to half_open, with
-- this call as its probe. A probe that has not reported back after probe_ms (its worker died)
-- lets the next call probe instead.
local function breaker_enter(key, reset_ms, probe_ms, now)
  local h = redis.call('HMGET', key, 'state', 'opened_at', 'probe_until', 'failures',
                       'last_error')
  local state = h[1]
  if state ~= 'open' and state ~= 'half_open' then return {'closed', 0, now, 0, ''} end
  local retry_at = tonumber(h[2]) + reset_ms
  local refused = 'open'
  if state == 'half_open' then retry_at, refused = tonumber(h[3]), 'probing' end
  if now < retry_at then return {refused, retry_at, now, tonumber(h[4]) or 0, h[5] or ''} end
  redis.call('HSET', key, 'state', 'half_open', 'probe_until', now + probe_ms)
  return {'probe', 0, now, tonumber(h[4]) or 0, h[5] or ''}
end

local now = now_ms()
local capped = #KEYS == 2
if capped and take_slot(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], now) == 0 then
  return {'busy'}
end
local answer = breaker_enter(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), now)
if capped and (answer[1] == 'open' or answer[1] == 'probing') then
  redis.call('ZREM', KEYS[2], ARGV[5])
end
return answer
