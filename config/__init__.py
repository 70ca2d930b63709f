"""Project plumbing: settings, project URLs, the ASGI entry point and websocket routing."""
