"""Every model has a factory, and each one makes a row the database accepts."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from api.core.db import Base
from api.extensions import db
from tests import factories

FACTORIES = [
    value
    for value in vars(factories).values()
    if isinstance(value, type) and issubclass(value, factories.Factory) and value is not factories.Factory
]


def test_every_model_has_a_factory():
    models = {mapper.class_ for mapper in Base.registry.mappers}
    assert models == {factory._meta.model for factory in FACTORIES}


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda factory: factory.__name__)
def test_a_factory_makes_a_row_the_database_accepts(factory):
    first, second = factory(), factory()
    db.session.flush()

    assert inspect(first).persistent
    assert inspect(second).persistent
    assert db.session.get(type(first), inspect(first).identity) is first
