"""Every extension, created unbound; create_app() binds them."""

from flask_babel import Babel
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from vez.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
babel = Babel()
compress = Compress()
cache = Cache()  # the shared page cache (vez.pagecache binds it: Redis or in-process)
limiter = Limiter(get_remote_address, default_limits=[], strategy="moving-window")
