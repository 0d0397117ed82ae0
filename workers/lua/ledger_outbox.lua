-- The ledger's outbox: appends one entry to the stream KEY (none when KEY is ''), trimmed
-- to about MAXLEN entries. Called by the scripts that change a job's state, in the same
-- atomic step as the change: a state the store holds is in the outbox too, and the reverse.
-- FIELDS: a flat list of field, value (kind, job_id, at, ...).
local function ledger_outbox(key, maxlen, fields)
  if key == '' then return end
  redis.call('XADD', key, 'MAXLEN', '~', maxlen, '*', unpack(fields))
end
