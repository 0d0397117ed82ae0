-- include: celery_result.lua
--
-- Tells the job store what a reviewer decided (the ledger recorded the decision first):
-- the job's state becomes approved or rejected, and an approved edit replaces the stored
-- result, so clients that read the job (the gateway, Celery's AsyncResult) get what was
-- published. Waiting clients are woken. A job the store no longer holds (expired) is left
-- alone: the ledger has it.
--
-- KEYS: job, result, done channel, Celery meta.
-- ARGV: state, result json ('' to keep the stored one), now, job id.
-- Returns 1 if the store held the job, else 0.

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'reviewed_at', ARGV[3])
if ARGV[2] ~= '' then
  local ttl = redis.call('TTL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl > 0 and ttl or 1)
  celery_result(KEYS[4], ARGV[4], ARGV[2], ARGV[3], ttl > 0 and ttl or 1)
end
redis.call('PUBLISH', KEYS[3], ARGV[1])
return 1
