"""The departments, platforms and stages the filter panels and the audit log list: one
statement, each list in the order its panel shows it."""

from app.extensions import db
from app.reads.reference_lists import reference_lists
from tests.factories import make_department, make_platform
from tests.web.review.support import counting_queries


def test_each_list_is_by_name_with_retired_platforms_kept(world):
    make_department("AGO", "Attorney General's Office")
    retired = make_platform("Snapchat")
    retired.active = False
    db.session.commit()
    with counting_queries() as statements:
        lists = reference_lists(db.session)
    # (SQLite's BEGIN IMMEDIATE, which this test suite's engine sends, is no statement.)
    assert [s for s in statements if not s.startswith("BEGIN")] == statements[-1:]
    assert lists.department_codes() == [
        ("AGO", "Attorney General's Office"),
        ("DSIT", "Department for Science, Innovation and Technology"),
        ("HO", "Home Office"),
    ]
    assert [name for _id, name in lists.department_choices()] == [
        name for _code, name in lists.department_codes()
    ]
    assert lists.department_choices()[1] == (world.department.id, world.department.name)
    assert lists.platforms == [(retired.id, "Snapchat"), (world.platform.id, "TikTok")]
    assert lists.platform_names() == ["Snapchat", "TikTok"]
    assert lists.stages == {
        "security": "Security",
        "no10": "No10",
        "cabinet_office": "Cabinet Office",
    }
