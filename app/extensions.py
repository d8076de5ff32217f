"""Flask extensions, created unbound; `create_app()` binds them to an app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

# Named constraints, so Alembic migrations can drop and alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
#: Storage and headers come from RATELIMIT_* settings (config.py); limits from app.web.throttle.
limiter = Limiter(get_remote_address)

# mypy cannot see that db.Model is a subclass of Base; the models inherit from `Model`.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

#: What code that takes a session accepts: a plain one, or Flask-SQLAlchemy's db.session.
SessionLike = Session | scoped_session[Any]
