"""Which key submitted which job, so that a key reads and cancels only its own jobs.

Kept beside the job store, not in it (``P:gateway:owner:ID``), so that a job submitted over
HTTP is the same job, to workers and in results, as one submitted with the Python client.
Records live twice ``result_expires``: a job's state is kept that long after its last
change, which can come well after it was submitted.
"""

from __future__ import annotations

from redis import Redis


class Owners:
    def __init__(self, redis: Redis, prefix: str, result_expires: int):
        self.redis = redis
        self.prefix = f"{prefix}:gateway:owner"
        self.ttl = 2 * result_expires

    def _key(self, job_id: str) -> str:
        return f"{self.prefix}:{job_id}"

    def claim(self, job_ids: list[str], owner: str) -> None:
        """Record the owner before the jobs are queued: a job that exists is always owned."""
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.set(self._key(job_id), owner, ex=self.ttl)
            pipe.execute()

    def release(self, job_ids: list[str]) -> None:
        """Forget the records of jobs that were not queued after all."""
        if job_ids:
            self.redis.delete(*map(self._key, job_ids))

    def owner(self, job_id: str) -> str | None:
        value = self.redis.get(self._key(job_id))
        return value.decode() if value else None
