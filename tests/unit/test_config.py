"""Settings that are unsafe outside development are refused at start-up."""

from __future__ import annotations

import pytest

from api.config import DEVELOPMENT_SECRET, ConfigError, check_config

SAFE_PRODUCTION = {
    "ENV_NAME": "production",
    "SECRET_KEY": "s" * 40,
    "JWT_SECRET_KEY": "j" * 40,
    "FRONTEND_URL": "https://badges.example.org",
    "PUBLIC_API_URL": "https://api.badges.example.org",
    "CORS_ORIGINS": ["https://badges.example.org"],
}


def test_a_safe_production_config_is_accepted():
    check_config(SAFE_PRODUCTION)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("SECRET_KEY", DEVELOPMENT_SECRET, "SECRET_KEY"),
        ("SECRET_KEY", "short", "SECRET_KEY"),
        ("JWT_SECRET_KEY", "", "JWT_SECRET_KEY"),
        ("FRONTEND_URL", "http://localhost:4200", "FRONTEND_URL"),
        ("PUBLIC_API_URL", "", "PUBLIC_API_URL"),
        ("PUBLIC_API_URL", "api.badges.example.org", "PUBLIC_API_URL"),
    ],
)
def test_production_refuses_unsafe_values(key, value, message):
    with pytest.raises(ConfigError, match=message):
        check_config({**SAFE_PRODUCTION, key: value})


def test_development_accepts_the_development_secret():
    check_config({"ENV_NAME": "development", "SECRET_KEY": DEVELOPMENT_SECRET})


@pytest.mark.parametrize("value", [-1, 65, "2", True])
def test_render_processes_must_be_a_count_from_0_to_64(value):
    with pytest.raises(ConfigError, match="BADGE_RENDER_PROCESSES"):
        check_config({"ENV_NAME": "development", "BADGE_RENDER_PROCESSES": value})


def test_wildcard_origins_cannot_be_combined_with_credentials():
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        check_config({"ENV_NAME": "development", "CORS_ORIGINS": ["*"], "CORS_ALLOW_CREDENTIALS": True})


def test_create_app_refuses_a_production_app_with_default_secrets():
    from api.app import create_app

    with pytest.raises(ConfigError):
        create_app({"ENV_NAME": "production", "DATABASE_URL": "sqlite://", "SECRET_KEY": DEVELOPMENT_SECRET})
