"""The REST service: a Flask app (service/app.py) served by gunicorn as `service.app:create_app()`.

Kept empty so that building the `titlegraph` parser (service/cli.py) imports nothing of the app.
"""
