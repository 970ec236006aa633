"""openapi.yaml, generated: the marshmallow schemas are the contract.

`build_spec(app)` assembles the OpenAPI 3.0 document from three sources, each written once:
- the request and response bodies from the marshmallow schemas that load and dump them
  (apispec's MarshmallowPlugin, with our fields taught in api/openapi/fields.py), limits that
  come from configuration read from the app's config;
- each operation from its handler: the YAML after `---` in the docstring (api/openapi/paths.py),
  which names those schemas by component name;
- what all operations share (security schemes, parameters, headers, error responses) from
  api/openapi/shared.yaml.

`python manage.py openapi` writes the file; a test fails when the committed file differs.
"""

from api.openapi.document import build_spec, spec_yaml

__all__ = ["build_spec", "spec_yaml"]
