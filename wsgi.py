"""gunicorn -c deploy/gunicorn.conf.py wsgi:app (in a checkout)"""

from vez import create_app

app = create_app()
