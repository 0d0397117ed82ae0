-- include: celery_result.lua
-- include: ledger_outbox.lua
--
-- Cancels a job unless it is final already: a queued one never runs, a running one's result
-- is discarded (finish_job.lua finds it cancelled). Celery clients read a null result.
--
-- KEYS: job, result, done channel, Celery meta, ledger outbox ('' for none).
-- ARGV: now, ttl, job id, outbox cap.
-- Returns 'cancelled', or the state the job already had.

local state = redis.call('HGET', KEYS[1], 'state')
if redis.call('EXISTS', KEYS[2]) == 1 or state == 'cancelled' then return state end
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished_at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
celery_result(KEYS[4], ARGV[3], 'null', ARGV[1], ARGV[2])
ledger_outbox(KEYS[5], ARGV[4], {'kind', 'cancelled', 'job_id', ARGV[3], 'at', ARGV[1]})
redis.call('PUBLISH', KEYS[3], 'cancelled')
return 'cancelled'
