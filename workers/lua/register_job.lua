-- include: ledger_outbox.lua
--
-- Registers a job and pushes its message onto its queue's list, in one step: a job is
-- queued exactly when it is registered (and, with the outbox on, recorded as queued).
--
-- KEYS: job, idempotency key ('' for none), queue, ledger outbox ('' for none).
-- ARGV: id, message envelope, generator, model, queue, now, ttl, job json, outbox cap,
--       submitter, review mode ('' for off), '1' if a failed run goes to review too.
-- Returns the id that owns the idempotency key: ours, unless an earlier submit took it (then
-- nothing is queued). A job id known already (a chain step enqueued again by a redelivered
-- parent) is not queued twice.

if KEYS[2] ~= '' then
  local owner = redis.call('GET', KEYS[2])
  if owner then return owner end
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[7])
end
if redis.call('HSETNX', KEYS[1], 'state', 'queued') == 1 then
  redis.call('HSET', KEYS[1], 'generator', ARGV[3], 'model', ARGV[4], 'queue', ARGV[5],
             'submitted_at', ARGV[6])
  if ARGV[11] ~= '' then
    redis.call('HSET', KEYS[1], 'review', ARGV[11], 'review_failed', ARGV[12])
  end
  redis.call('LPUSH', KEYS[3], ARGV[2])
  ledger_outbox(KEYS[4], ARGV[9], {'kind', 'queued', 'job_id', ARGV[1], 'at', ARGV[6],
                                   'job', ARGV[8], 'submitter', ARGV[10],
                                   'review', ARGV[11]})
end
redis.call('EXPIRE', KEYS[1], ARGV[7])
return ARGV[1]
