"""The REST service (Flask, served by gunicorn as `service:create_app()`)."""
