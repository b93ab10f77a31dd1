"""Staff accounts stay safe: sessions that end, throttling that cannot be raced or used to
lock colleagues out, passwords worth having, and no demo accounts in production."""

import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from survey.extensions import db as _db
from survey.users import services
from survey.users.models import StaffSession, User
from survey.users.services import AccountError, create_user
from survey.users.throttle import FREE_ATTEMPTS
from tests.conftest import migrated_app

PASSWORD = "correct horse battery"


@pytest.fixture
def account(db):
    user, _ = create_user(username="tran.thi.b", role="evaluator", password=PASSWORD, actor="t")
    db.session.commit()
    return user


def _sign_in(client, password=PASSWORD, **kwargs):
    return client.post("/sign-in", data={"login": "tran.thi.b", "password": password}, **kwargs)


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_copied_cookie_is_worthless_after_sign_out(app, client, account):
    assert _sign_in(client).status_code == 302
    copied = _session_cookie(client)
    assert client.post("/sign-out").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/campaigns/").status_code == 302, "the session ended with sign-out"


def test_an_idle_session_ends(client, account, db):
    _sign_in(client)
    assert client.get("/admin/campaigns/").status_code == 200
    for row in db.session.scalars(select(StaffSession)):
        row.last_seen_at -= timedelta(minutes=31)
    db.session.commit()
    assert client.get("/admin/campaigns/").status_code == 302


def test_an_administrators_reset_ends_every_session_of_the_account(client, account, db):
    _sign_in(client)
    services.set_password(account, "a wholly new phrase 42", actor="admin", user_id=None)
    db.session.commit()
    assert client.get("/admin/campaigns/").status_code == 302


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", "12"),
        ("tran.thi.b-is-me", "user name"),
        ("password1234", "common"),
        ("iloveyou2024!", "common"),
        ("matkhau123456", "common"),
        ("aaaaaaaaaaaaaaaa", "common"),
        ("123456789012", "sequence"),
        ("qwertyuiopas", "sequence"),
        ("1qaz2wsx3edc", "guess"),
        ("q1w2e3r4t5y6", "guess"),
        ("abcdefabcdef", "sequence"),
        (PASSWORD, "current"),
    ],
)
def test_weak_passwords_are_refused(account, password, problem, app):
    with app.test_request_context("/?lang=en"), pytest.raises(AccountError, match=problem):
        services.set_password(account, password, actor="t", user_id=None)


def test_an_import_that_leaves_no_active_administrator_is_refused(client, login_as, db):
    admin = login_as("admin")
    csv = f"username,email,role,agency_code,active\n{admin.username},,evaluator,,true\n"
    response = client.post(
        "/admin/users/import?lang=en",
        data={"file": (io.BytesIO(csv.encode()), "users.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "no active administrator" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"


def test_demo_commands_refuse_to_run_in_production(app, runner, db):
    app.config["SURVEY_ENV"] = "production"
    try:
        result = runner.invoke(args=["demo", "seed", "--responses", "0"])
    finally:
        app.config["SURVEY_ENV"] = "test"
    assert result.exit_code != 0
    assert "SURVEY_ENV=development" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.fixture
def committed_app(tmp_path):
    with migrated_app(tmp_path) as app:
        with app.app_context():
            create_user(username="tran.thi.b", role="evaluator", password=PASSWORD, actor="t")
            _db.session.commit()
        yield app


def test_forty_parallel_guesses_check_only_the_free_attempts(committed_app):
    """All forty start together; only the attempts the schedule allows reach the password
    check, so a botnet of parallel requests gains nothing over patience."""
    barrier = threading.Barrier(40)
    checked = []

    def guess(index):
        with committed_app.test_request_context():
            barrier.wait()
            try:
                services.authenticate(
                    services.Credentials("tran.thi.b", f"guess number {index}", "203.0.113.9")
                )
            except services.Throttled:
                checked.append(False)
            else:
                checked.append(True)
            finally:
                _db.session.rollback()
                _db.session.remove()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 40
    assert checked.count(True) == FREE_ATTEMPTS["pair"]


def test_two_administrators_demoting_each_other_at_once_leave_one(tmp_path):
    """Two real connections: the first demotes the second administrator and holds its
    transaction open; the second, meanwhile, demotes the first. One of them must be
    refused, or the province is left with no administrator."""
    import time

    with migrated_app(tmp_path) as app:
        with app.app_context():
            ids = [
                create_user(username=name, role="admin", password=PASSWORD, actor="t")[0].id
                for name in ("quantri.a", "quantri.b")
            ]
            _db.session.commit()
        first_changed = threading.Event()
        outcome: dict[int, str] = {}

        def demote(editor_id: int, target_id: int, hold: bool) -> None:
            with app.test_request_context("/?lang=en"):
                try:
                    editor, target = (
                        _db.session.get(User, editor_id),
                        _db.session.get(User, target_id),
                    )
                    services.update_user(
                        target,
                        username=target.username,
                        email=None,
                        role="evaluator",
                        agency=None,
                        active=True,
                        editor=editor,
                        actor="t",
                        user_id=editor_id,
                    )
                    _db.session.flush()
                    if hold:
                        first_changed.set()
                        time.sleep(0.5)
                    _db.session.commit()
                    outcome[editor_id] = "demoted"
                except AccountError as error:
                    _db.session.rollback()
                    outcome[editor_id] = str(error)
                finally:
                    first_changed.set()
                    _db.session.remove()

        first = threading.Thread(target=demote, args=(ids[0], ids[1], True))
        first.start()
        assert first_changed.wait(10)
        second = threading.Thread(target=demote, args=(ids[1], ids[0], False))
        second.start()
        first.join()
        second.join()
        assert outcome[ids[0]] == "demoted"
        assert "last active administrator" in outcome[ids[1]]
        with app.app_context():
            admins = _db.session.scalar(
                select(func.count()).select_from(User).where(User.role == "admin", User.active)
            )
        assert admins == 1
