-- Stores and publishes Celery's task meta for a final job, as Celery's Redis result backend
-- does, so that clients using only Celery read the result (docs/jobs.md). The Result JSON is
-- spliced in as it is: decoding and encoding it with cjson would round its floats.
local function celery_result(key, task_id, result, now, ttl)
  local meta = '{"status": "SUCCESS", "result": ' .. result .. ', "traceback": null, ' ..
    '"children": [], "date_done": "' .. now .. '", "task_id": ' .. cjson.encode(task_id) .. '}'
  redis.call('SET', key, meta, 'EX', ttl)
  redis.call('PUBLISH', key, meta)
end
