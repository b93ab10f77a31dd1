import re

import pytest
from sqlalchemy import func, select

from survey.agencies.models import Agency, RankingGroup, Service, ServicePoint
from survey.audit.models import AuditEvent
from tests import factories


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_edit_and_deactivate_an_agency_with_an_audit_trail(client, admin, db):
    response = client.post(
        "/admin/agencies/new",
        data={
            "code": "SXD",
            "name_vi": "Sở Xây dựng",
            "name_en": "Department of Construction",
            "kind": "department",
            "ranking_group": "departments",
            "parent_code": "",
            "active": "y",
        },
    )
    assert response.status_code == 302
    agency = db.session.scalar(select(Agency).where(Agency.code == "SXD"))
    client.post(
        f"/admin/agencies/{agency.id}/edit",
        data={
            "code": "SXD",
            "name_vi": "Sở Xây dựng tỉnh",
            "name_en": "Department of Construction",
            "kind": "department",
            "ranking_group": "departments",
            "parent_code": "",
            "active": "y",
        },
    )
    client.post(f"/admin/agencies/{agency.id}/active", data={"active": "0"})
    db.session.refresh(agency)
    assert agency.name_vi == "Sở Xây dựng tỉnh"
    assert agency.active is False
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "agency").order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["agency.create", "agency.update", "agency.deactivate"]
    assert events[1].before["name_vi"] == "Sở Xây dựng"
    assert events[1].after["name_vi"] == "Sở Xây dựng tỉnh"
    assert events[1].actor == admin.username
    assert events[1].user_id == admin.id


def test_invalid_input_is_shown_next_to_the_field_and_changes_nothing(client, admin, db):
    factories.agency(code="SXD")
    response = client.post(
        "/admin/agencies/new",
        data={
            "code": "SXD",
            "name_vi": "",
            "name_en": "x",
            "kind": "ministry",
            "ranking_group": "g",
            "parent_code": "NOPE",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "SXD đã được dùng." in page
    assert "Không có mã NOPE." in page
    assert "Trường này là bắt buộc." in page, "WTForms' own messages in Vietnamese too"
    assert "This field is required." not in page
    assert 'aria-invalid="true"' in page
    assert _count(db, Agency) == 1


def test_lists_search_and_page(client, admin, db):
    for n in range(30):
        factories.agency(code=f"X{n:02d}", name_vi=f"Cơ quan {n}")
    factories.agency(code="SXD", name_vi="Sở Xây dựng")
    found = client.get("/admin/agencies/?q=xây").get_data(as_text=True)
    assert "SXD" in found
    assert "X01" not in found
    first = client.get("/admin/agencies/").get_data(as_text=True)
    assert "Trang 1/2" in first
    assert "X29" in client.get("/admin/agencies/?page=2").get_data(as_text=True)


def test_deactivated_records_are_hidden_unless_asked_for(client, admin, db):
    factories.agency(code="OLD", active=False)
    assert "OLD" not in client.get("/admin/agencies/").get_data(as_text=True)
    assert "OLD" in client.get("/admin/agencies/?show=all").get_data(as_text=True)


def _upload(client, url, text, encoding="utf-8"):
    from io import BytesIO

    return client.post(
        url,
        data={"file": (BytesIO(text.encode(encoding)), "data.csv")},
        content_type="multipart/form-data",
    )


POINTS_HEADER = "code,agency_code,name_vi,name_en,address,active\n"


def test_csv_import_creates_and_updates_then_round_trips(client, admin, db):
    factories.agency(code="SXD")
    factories.service_point(
        code="sxd-1",
        agency=db.session.scalar(select(Agency).where(Agency.code == "SXD")),
        name_vi="Cũ",
    )
    response = _upload(
        client,
        "/admin/service-points/import",
        POINTS_HEADER
        + "sxd-1,SXD,Quầy 1 mới,Counter 1,,true\n"
        + "sxd-2,SXD,Quầy 2,Counter 2,12 Lê Duẩn,true\n",
    )
    assert response.status_code == 302
    assert "tạo mới 1, cập nhật 1" in client.get("/admin/service-points/").get_data(as_text=True)
    exported = client.get("/admin/service-points/export.csv").get_data(as_text=True)
    assert exported.lstrip("\ufeff").splitlines()[0] == POINTS_HEADER.strip()
    assert "sxd-2,SXD,Quầy 2,Counter 2,12 Lê Duẩn,true" in exported
    again = _upload(client, "/admin/service-points/import", exported.lstrip("\ufeff"))
    assert again.status_code == 302
    assert _count(db, ServicePoint) == 2


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ("code,agency_code,name_vi\nsxd-9,SXD,Quầy\n", ["dòng 1, cột name_en: thiếu cột bắt buộc"]),
        (
            POINTS_HEADER + "sxd-9,NOPE,Quầy,Counter,,true\n",
            ["dòng 2, cột agency_code: Không có mã NOPE."],
        ),
        (
            POINTS_HEADER + "sxd-9,SXD,Quầy,Counter,,true\nsxd-9,SXD,Quầy B,Counter B,,true\n",
            ["dòng 3, cột code: trùng với dòng 2"],
        ),
        (
            POINTS_HEADER + "sxd-8,SXD,Quầy,Counter,,true\nsxd 7,SXD,,Counter,,true\n",
            ["dòng 3, cột code:", "dòng 3, cột name_vi:"],
        ),
        (POINTS_HEADER + "sxd-1,SXD,Đã có,Taken,,true\n", []),
        (
            POINTS_HEADER + "sxd-9,SXD,Quầy,Counter,,true\nSXD-9,SXD,Quầy B,Counter B,,true\n",
            ["dòng 3, cột code: trùng với dòng 2"],
        ),
        (POINTS_HEADER + "SXD-1,SXD,Quầy,Counter,,true\n", ["dòng 2, cột code:"]),
    ],
    ids=[
        "missing column",
        "unknown agency",
        "duplicate code",
        "bad row among good",
        "existing code updates",
        "the same code in another case",
        "an existing code in another case",
    ],
)
def test_bad_csv_rows_change_nothing_and_are_named(client, admin, db, body, messages):
    agency = factories.agency(code="SXD")
    factories.service_point(code="sxd-1", agency=agency, name_vi="Cũ")
    response = _upload(client, "/admin/service-points/import", body)
    if not messages:
        assert response.status_code == 302
        return
    page = response.get_data(as_text=True)
    assert "Chưa nhập dữ liệu nào" in page
    for message in messages:
        assert message in page
    assert _count(db, ServicePoint) == 1
    assert db.session.scalar(select(ServicePoint.name_vi)) == "Cũ"


def test_a_csv_that_is_not_utf8_is_refused(client, admin, db):
    factories.agency(code="SXD")
    response = _upload(
        client,
        "/admin/service-points/import",
        POINTS_HEADER + "sxd-9,SXD,Quán,Counter,,true\n",
        encoding="latin-1",
    )
    assert "dòng 2: tệp không phải văn bản UTF-8" in response.get_data(as_text=True)
    assert _count(db, ServicePoint) == 0


def test_services_are_unique_per_agency_not_globally(client, admin, db):
    field = factories.service_field(code="DD")
    first, second = factories.agency(code="BMT"), factories.agency(code="LAK")
    header = "agency_code,field_code,code,name_vi,name_en,active\n"
    body = header + "BMT,DD,DD-01,Cấp sổ,Land title,true\nLAK,DD,DD-01,Cấp sổ,Land title,true\n"
    assert _upload(client, "/admin/services/import", body).status_code == 302
    assert _count(db, Service) == 2
    again = _upload(client, "/admin/services/new", "")
    assert again.status_code in (200, 400)
    response = client.post(
        "/admin/services/new",
        data={
            "agency_code": "BMT",
            "field_code": "DD",
            "code": "DD-01",
            "name_vi": "x",
            "name_en": "x",
            "active": "y",
        },
    )
    assert "DD-01 đã được dùng." in response.get_data(as_text=True)
    assert first.id != second.id
    assert field.code == "DD"


def test_user_management_shows_a_generated_password_once(client, admin, db):
    response = client.post(
        "/admin/users/new",
        data={
            "username": "pham.d",
            "email": "",
            "role": "agency-viewer",
            "agency_code": "",
        },
    )
    assert "Người xem của cơ quan cần có cơ quan" in response.get_data(as_text=True)
    agency = factories.agency(code="SXD")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "pham.d",
            "email": "",
            "role": "agency-viewer",
            "agency_code": agency.code,
        },
    )
    assert "chỉ hiển thị một lần" in response.get_data(as_text=True)


USERS_HEADER = "username,email,role,agency_code,active\n"


def test_users_import_without_passwords_and_export_round_trip(client, admin, db):
    from survey.users.models import User

    factories.agency(code="SXD")
    bad = _upload(
        client,
        "/admin/users/import",
        USERS_HEADER + "le.e,,agency-viewer,,true\nle.f,x,chief,,true\n",
    )
    page = bad.get_data(as_text=True)
    assert "dòng 2, cột agency_code" in page
    assert "dòng 3, cột role" in page
    assert "dòng 3, cột email" in page
    assert db.session.scalar(select(User).where(User.username == "le.e")) is None
    good = _upload(
        client,
        "/admin/users/import",
        USERS_HEADER + "le.e,e@example.vn,agency-viewer,SXD,true\nle.f,,surveyor,,true\n",
    )
    assert good.status_code == 302
    imported = db.session.scalar(select(User).where(User.username == "le.e"))
    assert imported.agency.code == "SXD"
    assert imported.password_hash.startswith("scrypt:"), "a random, never shown password"
    exported = client.get("/admin/users/export.csv").get_data(as_text=True).lstrip("\ufeff")
    assert exported.splitlines()[0] == USERS_HEADER.strip()
    assert "le.e,e@example.vn,agency-viewer,SXD,true" in exported
    assert "password" not in exported
    listed = client.get("/admin/users/?q=le.").get_data(as_text=True)
    assert "le.e" in listed
    assert admin.username not in listed.split("<tbody>")[1]


def test_codes_are_unique_whatever_their_case(client, admin, db):
    factories.agency(code="SXD")
    response = client.post(
        "/admin/agencies/new",
        data={"code": "sxd", "name_vi": "Sở X", "name_en": "X", "kind": "department",
              "ranking_group": "departments"},
    )  # fmt: skip
    assert "SXD đã được dùng." in response.get_data(as_text=True)
    assert _count(db, Agency) == 1


def test_ranking_groups_are_data_named_in_both_languages(client, admin, db):
    """An administrator adds a group; agencies choose it by name, pages show its name,
    a corrected code carries its agencies along, and an unknown group is refused."""
    created = client.post(
        "/admin/ranking-groups/new",
        data={
            "code": "xa-phuong",
            "name_vi": "UBND xã, phường",
            "name_en": "Commune and ward committees",
            "position": "3",
            "active": "y",
        },
    )
    assert created.status_code == 302
    group = db.session.scalar(select(RankingGroup).where(RankingGroup.code == "xa-phuong"))
    form = client.get("/admin/agencies/new").get_data(as_text=True)
    assert '<option value="xa-phuong">UBND xã, phường</option>' in form
    agency = factories.agency(code="EAKAR", kind="commune", ranking_group="xa-phuong")
    edited = client.post(
        f"/admin/ranking-groups/{group.id}/edit",
        data={
            "code": "communes-2025",
            "name_vi": "UBND xã, phường",
            "name_en": "Commune and ward committees",
            "position": "3",
            "active": "y",
        },
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).ranking_group == "communes-2025"
    client.get("/admin/ranking-groups/")  # shows (and uses up) the "saved" message
    listed = client.get("/admin/agencies/?q=EAKAR").get_data(as_text=True)
    assert "UBND xã, phường" in listed
    assert "communes-2025" not in listed, "the list shows the group's name"
    refused = _upload(
        client,
        "/admin/agencies/import",
        "code,name_vi,name_en,kind,ranking_group,parent_code,active\n"
        "XA1,Xã 1,Commune 1,commune,khong-co,,true\n",
    )
    assert "dòng 2, cột ranking_group: Không có mã khong-co." in refused.get_data(as_text=True)
    assert db.session.scalar(select(Agency).where(Agency.code == "XA1")) is None


def test_a_point_of_an_agency_in_no_campaign_is_saved_with_a_warning(client, admin, db):
    """Its QR code would lead to no survey: the administrator is told so at once."""
    lonely = factories.agency(code="SNV", name_vi="Sở Nội vụ")
    surveyed = factories.agency(code="SXD", name_vi="Sở Xây dựng")
    factories.campaign(agencies=[surveyed], status="draft")
    db.session.commit()
    for agency, code in ((lonely, "snv-1"), (surveyed, "sxd-9")):
        response = client.post(
            "/admin/service-points/new",
            data={
                "code": code,
                "agency_code": agency.code,
                "name_vi": "Quầy",
                "name_en": "Counter",
                "active": "y",
            },
            follow_redirects=True,
        )
        page = response.get_data(as_text=True)
        warned = "Sở Nội vụ không thuộc đợt khảo sát nào" in page
        assert warned == (agency is lonely), page[page.find("alert") : page.find("alert") + 300]
    assert _count(db, ServicePoint) == 2


def test_codes_are_one_whatever_their_case_in_the_database_too(db):
    from sqlalchemy.exc import IntegrityError

    factories.agency(code="SXD")
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.agency(code="sxd")
    db.session.rollback()
    from survey.codes import CODE_PATTERN

    assert re.match(CODE_PATTERN, "SXD")
    assert not re.match(CODE_PATTERN, "SXD\n"), "a trailing newline is not a code"


def test_a_semicolon_csv_as_excel_saves_it_imports_and_a_nul_byte_is_named(client, admin, db):
    """Excel with Vietnamese settings separates columns with semicolons: read as such.
    A NUL byte is not text: refused with its row, nothing stored."""
    factories.agency(code="SXD")
    db.session.commit()
    body = POINTS_HEADER.replace(",", ";") + "sxd-3;SXD;Quầy 3, tầng 1;Counter 3;;true\n"
    response = _upload(client, "/admin/service-points/import", body)
    assert response.status_code == 302, response.get_data(as_text=True)
    point = db.session.scalar(select(ServicePoint).where(ServicePoint.code == "sxd-3"))
    assert point.name_vi == "Quầy 3, tầng 1"
    nul = POINTS_HEADER + "sxd-4,SXD,Quầy\x004,Counter 4,,true\n"
    refused = _upload(client, "/admin/service-points/import", nul)
    assert refused.status_code == 200
    assert "dòng 2" in refused.get_data(as_text=True)
    assert _count(db, ServicePoint) == 1


def test_pickers_offer_what_is_in_use_and_the_rest_on_request(client, admin, db):
    """An abolished agency and the retired district kind are not offered by default (and
    nothing is chosen for the administrator); asked for, or named by a file, they are."""
    factories.agency(code="SXD", name_vi="Sở Xây dựng")
    factories.agency(code="BDT", name_vi="Ban Dân tộc", active=False)
    db.session.commit()
    page = client.get("/admin/service-points/new").get_data(as_text=True)
    assert "Sở Xây dựng (SXD)" in page
    assert "Ban Dân tộc" not in page
    assert 'selected value="SXD"' not in page, "nothing chosen in advance"
    everything = client.get("/admin/service-points/new?inactive=1").get_data(as_text=True)
    assert "Ban Dân tộc (BDT) · không còn hoạt động" in everything
    agency_form = client.get("/admin/agencies/new").get_data(as_text=True)
    assert 'value="district"' not in agency_form
    assert 'value="commune"' in agency_form
    response = _upload(
        client, "/admin/service-points/import", POINTS_HEADER + "bdt-1,BDT,Quầy cũ,Old,,false\n"
    )
    assert response.status_code == 302, "a file may still name an inactive agency"


def test_an_import_names_at_most_two_hundred_problems_and_stops_reading(client, admin, db):
    factories.agency(code="SXD")
    rows = "".join(f"p-{n},NOPE,Quầy,Counter,,true\n" for n in range(10_000))
    response = _upload(client, "/admin/service-points/import", POINTS_HEADER + rows)
    page = response.get_data(as_text=True)
    assert page.count("cột agency_code") == 200
    assert "còn nhiều lỗi khác sau 200 lỗi này" in page
    assert len(page) < 100_000
    assert _count(db, ServicePoint) == 0


def test_an_import_with_too_many_rows_is_refused_before_reading_them(
    client, admin, db, monkeypatch
):
    from survey.admin import services as admin_services

    monkeypatch.setattr(admin_services, "MAX_IMPORT_ROWS", 3)
    factories.agency(code="SXD")
    rows = "".join(f"p-{n},SXD,Quầy {n},Counter {n},,true\n" for n in range(4))
    page = _upload(client, "/admin/service-points/import", POINTS_HEADER + rows)
    assert "tách thành nhiều tệp" in page.get_data(as_text=True)
    assert _count(db, ServicePoint) == 0


def test_a_reimported_file_changes_and_audits_only_what_changed(client, admin, db):
    from survey.audit.models import AuditEvent

    agency = factories.agency(code="SXD")
    factories.service_point(code="sxd-1", agency=agency, name_vi="Quầy 1", name_en="Counter 1")
    db.session.commit()
    body = POINTS_HEADER + "sxd-1,SXD,Quầy 1,Counter 1,,true\nsxd-2,SXD,Quầy 2,Counter 2,,true\n"
    assert _upload(client, "/admin/service-points/import", body).status_code == 302
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "service_point")
    ).all()
    assert sorted(actions) == ["service_point.create"], "sxd-1 was already so"
    created = db.session.scalar(select(ServicePoint).where(ServicePoint.code == "sxd-2"))
    assert (created.agency_id, created.name_en, created.active) == (agency.id, "Counter 2", True)


def test_an_import_moving_a_point_to_another_agency_says_so_in_the_audit(client, admin, db):
    from survey.audit.models import AuditEvent

    sxd, stc = factories.agency(code="SXD"), factories.agency(code="STC")
    factories.service_point(code="p-1", agency=sxd, name_vi="Quầy", name_en="Counter")
    db.session.commit()
    body = POINTS_HEADER + "p-1,STC,Quầy,Counter,,true\n"
    assert _upload(client, "/admin/service-points/import", body).status_code == 302
    db.session.expire_all()
    point = db.session.scalar(select(ServicePoint).where(ServicePoint.code == "p-1"))
    assert point.agency_id == stc.id
    assert point.agency.code == "STC"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "service_point.update"))
    assert (event.before["agency_code"], event.after["agency_code"]) == ("SXD", "STC")


def test_new_services_of_an_import_are_audited_under_their_own_ids(client, admin, db):
    """New records go in at once (COPY on PostgreSQL) and their ids are read back by key:
    one code in two agencies, and text COPY must escape, land on the right records."""
    sxd, stc = factories.agency(code="SXD"), factories.agency(code="STC")
    factories.service_field(code="XD")
    db.session.commit()
    body = (
        "agency_code,field_code,code,name_vi,name_en,active\n"
        'SXD,XD,DV-1,"Cấp phép\\ xây dựng\tnhà ở",Permit,true\n'
        "STC,XD,DV-1,Thẩm định giá,Valuation,false\n"
        "STC,XD,DV-2,Thủ tục N,Procedure N,\n"
    )
    response = _upload(client, "/admin/services/import", body)
    assert response.status_code == 302
    db.session.expire_all()
    services = {(s.agency_id, s.code): s for s in db.session.scalars(select(Service)).all()}
    assert services[(sxd.id, "DV-1")].name_vi == "Cấp phép\\ xây dựng\tnhà ở"
    assert services[(stc.id, "DV-1")].active is False
    assert services[(stc.id, "DV-2")].active is True, "an empty cell is the default"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "service.create")
    ).all()
    assert len(events) == 3
    for event in events:
        service = db.session.get(Service, int(event.entity_id))
        assert event.before is None
        assert (event.after["agency_code"], event.after["code"], event.after["name_en"]) == (
            service.agency.code, service.code, service.name_en,
        )  # fmt: skip
