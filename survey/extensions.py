"""Flask extensions, created unbound; `survey.app.register_extensions` binds them."""

import hashlib
import hmac

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations reproducible across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()


def keyed(kind: str, value: str) -> str:
    """A keyed hash for a rate-limit counter: the limiter's storage (Redis, readable by
    whoever reads the cache) never holds a respondent's address, a point or a token."""
    secret = f"{current_app.config['SECRET_KEY']}|limit|{kind}".encode()
    return f"{kind}:" + hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:24]


def client_key() -> str:
    return keyed("client", request.remote_addr or "")


# In memory by default; SURVEY_RATELIMIT_STORAGE_URL=redis://... shares counts between
# processes.
limiter = Limiter(key_func=client_key)
