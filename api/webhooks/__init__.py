"""Webhooks: an owner's endpoints told of job events, signed per the Standard Webhooks specification.

models.py holds endpoints and deliveries; service.py the endpoints' rules (no HTTP); targets.py
which addresses a webhook may reach; outbox.py writes a delivery row in the transaction that ends a
job and sends it after commit; sending.py makes one signed attempt to a checked address;
job_events.py turns a finished job into an event; resources.py the routes.
"""
