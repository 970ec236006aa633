"""Mail abuse, with the suite's real SMTP server: the service mails job results to verified
addresses only, quotes and bounds the job's name in the subject, and sends one account at most
MAIL_BUDGET_PER_HOUR messages an hour, verification resends and password resets included.
"""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.mail.models import OutboundEmail
from tests.factories import UserFactory
from tests.support.accounts import bearer, login

PEOPLE = [{"name": "Ada Lovelace"}, {"name": "Grace Hopper"}]
HOSTILE_NAME = 'Your account is locked" - sign in again at https://evil.example/login ' + "x" * 150


def post_job(client, headers, name: str = "Summit") -> dict:
    response = client.post(
        "/api/v1/badge-jobs", json={"attendees": PEOPLE, "options": {"name": name}}, headers=headers
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def mails_to(address: str) -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).where(OutboundEmail.to_address == address)))


def log_messages(client, headers, job_id: str) -> list[str]:
    items = client.get(f"/api/v1/badge-jobs/{job_id}/logs", headers=headers).get_json()["items"]
    return [line["message"] for line in items]


@pytest.fixture
def unverified(client):
    user = UserFactory()
    db.session.flush()
    return user, bearer(login(client, user.email)["access_token"])


def test_an_unverified_account_runs_jobs_and_downloads_but_is_mailed_no_result(
    client, jobs, smtp_server, unverified
):
    user, headers = unverified
    jobs.run_pending()  # delivers the registration mail, which is all this address ever gets
    assert len(smtp_server.inbox.messages) == 1

    job = post_job(client, headers, HOSTILE_NAME)
    jobs.run_pending()

    done = client.get(f"/api/v1/badge-jobs/{job['id']}", headers=headers).get_json()
    assert done["status"] == "succeeded"
    download = client.get("/" + done["result"]["download_url"].split("://", 1)[1].split("/", 1)[1])
    assert download.status_code == 200
    download.close()
    assert [mail.template for mail in mails_to(user.email)] == ["verify_email"]
    assert len(smtp_server.inbox.messages) == 1
    assert "No mail sent: the account's email address is not verified yet." in log_messages(
        client, headers, job["id"]
    )


def test_a_hostile_job_name_is_quoted_and_bounded_in_the_subject(client, jobs, smtp_server, auth_headers):
    post_job(client, auth_headers, HOSTILE_NAME)

    jobs.run_pending()

    header = smtp_server.inbox.wait_for(1)[-1]["Subject"]
    subject = str(make_header(decode_header(header))).replace("\r\n ", " ")
    prefix = "Your badges are ready: "
    assert subject.startswith(prefix + "\"Your account is locked' - sign in again")
    assert subject.endswith('\u2026"')
    assert len(subject) == len(prefix) + 60 + 2  # 60 characters of the name, in quotes
    assert "\n" not in subject


def test_the_mail_budget_caps_job_results_per_account(
    client, jobs, smtp_server, auth_headers, user, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_BUDGET_PER_HOUR", 2)
    jobs_made = [post_job(client, auth_headers, f"Job {n}") for n in range(3)]

    jobs.run_pending()

    assert len(mails_to(user.email)) == 2
    assert len(smtp_server.inbox.wait_for(2)) == 2
    skipped = log_messages(client, auth_headers, jobs_made[2]["id"])
    assert "No mail sent: the account had its 2 mails of the hour." in skipped
    status = client.get(f"/api/v1/badge-jobs/{jobs_made[2]['id']}", headers=auth_headers).get_json()["status"]
    assert status == "succeeded"  # the job itself is untouched


def test_verification_resends_stop_at_the_budget_and_answer_as_before(
    client, jobs, smtp_server, unverified, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_BUDGET_PER_HOUR", 3)
    user, headers = unverified  # the registration mail is the first of the three

    answers = [client.post("/api/v1/users/verify/resend", headers=headers) for _ in range(5)]

    assert [answer.status_code for answer in answers] == [202] * 5
    assert len({answer.get_data() for answer in answers}) == 1
    assert len(mails_to(user.email)) == 3
    jobs.run_pending()
    assert len(smtp_server.inbox.wait_for(3)) == 3


def test_password_resets_stop_at_the_budget_and_answer_as_for_an_unknown_address(
    client, jobs, smtp_server, user, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_BUDGET_PER_HOUR", 2)

    answers = [client.post("/api/v1/auth/password-reset", json={"email": user.email}) for _ in range(4)]
    unknown = client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.org"})

    assert {(answer.status_code, answer.get_data()) for answer in answers} == {
        (unknown.status_code, unknown.get_data())
    }
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboundEmail).where(OutboundEmail.to_address == user.email)
        )
        == 2
    )
    jobs.run_pending()
    assert len(smtp_server.inbox.wait_for(2)) == 2
