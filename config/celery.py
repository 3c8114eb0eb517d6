"""The Celery app. Tasks are autodiscovered from each app's ``tasks.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kechuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="kechuang.ping")
def ping() -> str:
    """Answers "pong" from whichever worker takes it: proves broker and worker work."""
    return "pong"
