"""Celery workers that run queued aigc jobs."""
