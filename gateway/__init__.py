"""The HTTP gateway: services in any language queue aigc jobs and read results over HTTP.

``aigc serve`` runs it; ``create_app`` builds it for embedding or tests. Needs the
``gateway`` extra (FastAPI, uvicorn). See docs/http-api.md.
"""
