"""Extensions, created unbound; `create_app` binds them with `init_app`."""

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from booking.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
