"""The baseline for bench/load_submit.py: a bare Flask endpoint under the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "ok"
