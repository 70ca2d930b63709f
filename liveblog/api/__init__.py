"""The partner REST API, version 1 (`/api/v1/`), described by its own OpenAPI schema at `/api/schema/`.

Reads are public and cacheable; writes are journalists' actions through the
same services as the admin. The contract for partners is docs/api.md.
"""
