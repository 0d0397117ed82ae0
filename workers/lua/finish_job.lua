-- include: celery_result.lua
-- include: ledger_outbox.lua
--
-- Stores a job's result unless one is stored already (the first wins) or the job was
-- cancelled; optionally lists the job as dead-lettered, in the same step as the result, so
-- nobody sees one without the other, whatever dies in between.
--
-- KEYS: job, result, dead-letter list, done channel, Celery meta, ledger outbox ('' for none).
-- ARGV: result json, final state, now, ttl, dead-letter entry json ('' for none),
--       dead-letter cap, job id, outbox cap.
-- Returns {outcome, result}: stored (ours, not sent back), existing (an earlier one won), or
-- cancelled. A job under required review (register_job.lua) ends 'awaiting_review' instead
-- of 'succeeded' (or 'failed', when its failed runs go to review too): the same choice as
-- records.final_event makes for inline runs.

local stored = redis.call('GET', KEYS[2])
if stored then return {'existing', stored} end
if redis.call('HGET', KEYS[1], 'state') == 'cancelled' then return {'cancelled', ''} end
local review = redis.call('HGET', KEYS[1], 'review') or ''
local state = ARGV[2]
if review == 'required' and (state == 'succeeded'
                             or redis.call('HGET', KEYS[1], 'review_failed') == '1') then
  state = 'awaiting_review'
end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[4])
redis.call('HSET', KEYS[1], 'state', state, 'finished_at', ARGV[3])
if ARGV[5] ~= '' then
  local entry = cjson.decode(ARGV[5])
  entry['attempts'] = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
  redis.call('HSET', KEYS[1], 'dead_letter', 1)
  redis.call('LPUSH', KEYS[3], cjson.encode(entry))
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[6]) - 1)
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
celery_result(KEYS[5], ARGV[7], ARGV[1], ARGV[3], ARGV[4])
ledger_outbox(KEYS[6], ARGV[8], {'kind', state, 'job_id', ARGV[7], 'at', ARGV[3],
                                 'result', ARGV[1], 'dead_letter', ARGV[5] ~= '' and '1' or '',
                                 'review', review})
redis.call('PUBLISH', KEYS[4], state)
return {'stored', ''}
