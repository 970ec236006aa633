"""The one list of mounted namespaces: importing a resources module registers its namespace."""

from flask import Flask

from api.http import blueprint


def register_routes(app: Flask) -> None:
    from api.auth import resources as auth_resources  # noqa: F401
    from api.badge_templates import resources as badge_templates_resources  # noqa: F401
    from api.badges import resources as badges_resources  # noqa: F401
    from api.events import resources as events_resources  # noqa: F401
    from api.fonts import resources as fonts_resources  # noqa: F401
    from api.meta import resources as meta_resources  # noqa: F401
    from api.tickets import resources as tickets_resources  # noqa: F401
    from api.users import resources as users_resources  # noqa: F401
    from api.webhooks import resources as webhooks_resources  # noqa: F401

    app.register_blueprint(blueprint)
