import re

import pytest
from sqlalchemy import select

from survey.audit.models import AuditEvent
from survey.users.models import SignInThrottle, User
from survey.users.services import create_user
from survey.users.throttle import FREE_ATTEMPTS


@pytest.fixture
def account(db):
    user, _ = create_user(
        username="nguyen.van.a",
        email="a@example.vn",
        role="evaluator",
        password="correct horse battery",
        actor="test",
    )
    db.session.commit()
    return user


def _sign_in(client, login, password, **kwargs):
    return client.post("/sign-in", data={"login": login, "password": password}, **kwargs)


@pytest.mark.parametrize("login", ["nguyen.van.a", "A@Example.vn"])
def test_staff_sign_in_with_user_name_or_email(client, account, login):
    response = _sign_in(client, login, "correct horse battery")
    assert response.status_code == 302
    assert "Signed in as nguyen.van.a" in client.get("/?lang=en").get_data(as_text=True)


def test_passwords_are_stored_hashed(account):
    assert "correct horse battery" not in account.password_hash
    assert account.password_hash.startswith("scrypt:")


def test_wrong_password_and_unknown_user_get_the_same_answer(client, account):
    wrong = _sign_in(client, "nguyen.van.a", "wrong password")
    unknown = _sign_in(client, "nobody", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    message = "Tên người dùng hoặc mật khẩu không đúng."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
COLLEAGUE = {"REMOTE_ADDR": "198.51.100.7"}


def test_failures_slow_down_that_client_for_that_account_only(client, account, db):
    for _ in range(FREE_ATTEMPTS["pair"]):
        assert _sign_in(client, "nguyen.van.a", "wrong", environ_base=ATTACKER).status_code == 401
    refused = _sign_in(client, "nguyen.van.a", "correct horse battery", environ_base=ATTACKER)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    # The account's owner, on another device, is not locked out by the attacker.
    owner = _sign_in(client, "nguyen.van.a", "correct horse battery", environ_base=COLLEAGUE)
    assert owner.status_code == 302
    stored = db.session.scalars(select(SignInThrottle)).all()
    assert stored
    assert all("nguyen" not in row.key and "203.0" not in row.key for row in stored)


def test_a_successful_sign_in_starts_the_pair_afresh(client, account, db):
    _sign_in(client, "nguyen.van.a", "wrong password")
    _sign_in(client, "nguyen.van.a", "wrong password")
    assert _sign_in(client, "nguyen.van.a", "correct horse battery").status_code == 302
    client.post("/sign-out")
    for _ in range(FREE_ATTEMPTS["pair"]):
        assert _sign_in(client, "nguyen.van.a", "wrong password").status_code == 401


def test_a_deactivated_account_cannot_sign_in(client, account, db):
    account.active = False
    db.session.commit()
    assert _sign_in(client, "nguyen.van.a", "correct horse battery").status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/campaigns"])
def test_after_sign_in_only_same_site_paths_are_followed(client, account, target):
    response = _sign_in(
        client, "nguyen.van.a", "correct horse battery", query_string={"next": target}
    )
    location = response.headers["Location"]
    assert "evil" not in location
    if target.startswith("/c"):
        assert location == target


def test_changing_the_password_signs_out_other_sessions(app, client, account, db):
    other = app.test_client()
    _sign_in(other, "nguyen.van.a", "correct horse battery")
    _sign_in(client, "nguyen.van.a", "correct horse battery")
    response = client.post(
        "/account/password",
        data={
            "current": "correct horse battery",
            "new": "a brand new secret 7",
            "confirm": "a brand new secret 7",
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/campaigns/").status_code == 200
    assert other.get("/admin/campaigns/").status_code == 302, "the old session is gone"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password"))


def test_a_weak_new_password_is_refused(client, account):
    _sign_in(client, "nguyen.van.a", "correct horse battery")
    response = client.post(
        "/account/password",
        data={
            "current": "correct horse battery",
            "new": "nguyen.van.a-1",
            "confirm": "nguyen.van.a-1",
        },
    )
    assert response.status_code == 200
    assert "không được chứa tên đăng nhập" in response.get_data(as_text=True)


def test_sign_out_needs_a_post(client, account):
    _sign_in(client, "nguyen.van.a", "correct horse battery")
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 302
    assert client.get("/admin/campaigns/").status_code == 302


def test_users_cli_creates_an_account_and_prints_a_generated_password(runner, db):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "tran.thi.b",
            "--role",
            "agency-viewer",
            "--agency",
            "NOPE",
            "--generate-password",
        ]
    )
    assert result.exit_code != 0
    assert "There is no agency with the code NOPE." in result.output
    result = runner.invoke(
        args=["users", "create", "tran.thi.b", "--role", "evaluator", "--generate-password"]
    )
    assert result.exit_code == 0, result.output
    assert "password: " in result.output
    user = db.session.scalar(select(User).where(User.username == "tran.thi.b"))
    assert user.role == "evaluator"


def test_users_cli_asks_for_the_password(runner, db):
    result = runner.invoke(
        args=["users", "create", "le.c", "--role", "surveyor"],
        input="long enough secret\nlong enough secret\n",
    )
    assert result.exit_code == 0, result.output


def test_demo_seed_creates_one_account_per_role_and_lists_them(runner, db):
    runner.invoke(args=["demo", "seed", "--responses", "0"])
    roles = {u.role for u in db.session.scalars(select(User))}
    assert roles == {"admin", "evaluator", "surveyor", "agency-viewer"}
    listed = runner.invoke(args=["demo", "accounts"]).output
    assert "quantri" in listed
    assert "khao-sat-2026" in listed


def test_an_agency_viewer_lands_on_their_agency(client, db):
    from survey.users.services import create_user
    from tests import factories

    agency = factories.agency(code="SXD")
    older = factories.campaign(code="old", agencies=[agency], status="closed")
    older.period_start = older.period_start.replace(year=older.period_start.year - 1)
    factories.campaign(code="now", agencies=[agency], status="open")
    factories.campaign(code="plan", agencies=[agency], status="draft")
    _user, password = create_user(
        username="xem",
        role="agency-viewer",
        agency_code="SXD",
        password="a fine long pass 1",
        actor="t",
    )
    db.session.commit()
    signed_in = client.post("/sign-in", data={"login": "xem", "password": password})
    assert signed_in.headers["Location"] == "/results/now/agencies/SXD"


def test_a_colleague_behind_a_guessing_address_signs_in(client, account, db):
    """Fifty-odd failures from one office address across many accounts hold back further
    guesses at those accounts, never a colleague's right password at their own."""
    for n in range(FREE_ATTEMPTS["client"] + 5):
        _sign_in(client, f"someone.{n}", "wrong guess", environ_base=ATTACKER)
    again = _sign_in(client, "someone.1", "wrong guess", environ_base=ATTACKER)
    assert again.status_code == 429, "the guesser is held back at an account it failed at"
    colleague = _sign_in(client, "nguyen.van.a", "correct horse battery", environ_base=ATTACKER)
    assert colleague.status_code == 302


def test_a_generated_password_is_changed_before_anything_else(client, login_as, db):
    login_as("admin")
    created = client.post(
        "/admin/users/new",
        data={"username": "le.thi.c", "role": "evaluator", "agency_code": "", "active": "y"},
    )
    assert created.status_code == 200
    password = re.search(r"<code[^>]*>([^<]+)</code>", created.get_data(as_text=True)).group(1)
    client.post("/sign-out")
    signed_in = _sign_in(client, "le.thi.c", password)
    assert signed_in.headers["Location"] == "/account/password"
    assert client.get("/admin/campaigns/").headers["Location"] == "/account/password"
    changed = client.post(
        "/account/password",
        data={
            "current": password,
            "new": "my own long secret 9",
            "confirm": "my own long secret 9",
        },
    )
    assert changed.status_code == 302
    assert client.get("/admin/campaigns/").status_code == 200
