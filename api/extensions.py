"""Extensions, created unbound here and bound to an app in create_app()."""

from flask_compress import Compress
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail

from api.core.db import Database
from api.jobs import JobRunner

db = Database()
jwt = JWTManager()
mail = Mail()
cors = CORS()
compress = Compress()
limiter = Limiter(key_func=get_remote_address)
jobs = JobRunner()
