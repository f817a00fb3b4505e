"""`make loadtest`: Locust over HTTP against gunicorn with the production settings (bin/loadtest)."""
