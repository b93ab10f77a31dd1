"""The integration tokens page: a token's secret is shown once, on a page read with GET
after the post that made it (a reload makes no second token), and two active tokens
never share a name."""

from sqlalchemy import func, select

from survey.integrations.models import IntegrationToken


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(IntegrationToken))


def test_a_new_tokens_secret_is_shown_once_and_a_reload_makes_no_other(client, login_as, db):
    login_as("admin")
    posted = client.post("/admin/integrations/", data={"name": "Một cửa", "system": "motcua"})
    assert posted.status_code == 303
    shown = client.get(posted.headers["Location"]).get_data(as_text=True)
    token = db.session.scalar(select(IntegrationToken))
    assert f"{token.prefix}" in shown
    assert 'class="secret"' in shown
    again = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert 'class="secret"' not in again, "shown once"
    assert "data-shown-once" in again
    assert _count(db) == 1


def test_two_active_tokens_never_share_a_name(client, login_as, db):
    login_as("admin")
    client.post("/admin/integrations/", data={"name": "Một cửa", "system": "motcua"})
    refused = client.post("/admin/integrations/?lang=en", data={"name": "một  cửa", "system": "x"})
    assert refused.status_code == 200
    assert "An active token is already named" in refused.get_data(as_text=True)
    assert _count(db) == 1
    token = db.session.scalar(select(IntegrationToken))
    client.post(f"/admin/integrations/{token.id}/revoke")
    assert (
        client.post(
            "/admin/integrations/", data={"name": "Một cửa", "system": "motcua"}
        ).status_code
        == 303
    ), "a revoked token's name may be used again"
    assert _count(db) == 2
