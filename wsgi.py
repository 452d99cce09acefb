"""gunicorn wsgi:app"""

from vez import create_app

app = create_app()
