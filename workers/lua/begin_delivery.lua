-- include: ledger_outbox.lua
--
-- A worker got a job's message: count the delivery and say whether to run it.
--
-- KEYS: job, result, ledger outbox ('' for none).
-- ARGV: worker, now, max attempts, ttl, generator, model, job id, outbox cap.
-- Returns {outcome, payload}: done (the stored result), cancelled, dead (the last error), or
-- run (the attempt is counted). A delivery that finds an attempt counted but no result knows
-- that attempt was lost, and records why as the job's last error.

local stored = redis.call('GET', KEYS[2])
if stored then return {'done', stored} end
if redis.call('HGET', KEYS[1], 'state') == 'cancelled' then return {'cancelled', ''} end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if attempts > 0 then
  redis.call('HSET', KEYS[1], 'last_error', 'attempt ' .. attempts .. ' on ' ..
             (redis.call('HGET', KEYS[1], 'worker') or '?') .. ' ended without a result ' ..
             '(its worker process died, was killed at the hard time limit, or lost Redis)')
end
redis.call('HSETNX', KEYS[1], 'generator', ARGV[5])
redis.call('HSETNX', KEYS[1], 'model', ARGV[6])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if attempts >= tonumber(ARGV[3]) then
  return {'dead', redis.call('HGET', KEYS[1], 'last_error')}
end
local state = 'started'
if attempts > 0 then state = 'retrying' end
redis.call('HSET', KEYS[1], 'state', state, 'attempts', attempts + 1, 'worker', ARGV[1],
           'started_at', ARGV[2])
ledger_outbox(KEYS[3], ARGV[8], {'kind', state, 'job_id', ARGV[7], 'at', ARGV[2],
                                 'worker', ARGV[1], 'attempt', tostring(attempts + 1)})
return {'run', ''}
