-- The fleet-wide cap of one endpoint: its leases live in the sorted set `key`, scored by
-- their expiry time. Drops the expired leases (those of crashed workers), then adds or
-- extends the lease `token` if it is already held or a slot is free. Returns 1 when the
-- caller holds the lease afterwards, 0 when every slot is taken.
local function take_slot(key, limit, ttl_ms, token, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZSCORE', key, token) == false and redis.call('ZCARD', key) >= limit then
    return 0
  end
  redis.call('ZADD', key, now + ttl_ms, token)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', key, tonumber(last[2]))
  return 1
end
