import copy
import json

import pytest
from sqlalchemy import func, select

from tests.helpers import DEMO_DATA
from webapp.models import Cabinet, Child
from webapp.sandbox.loader import SandboxDataError, load, parse, read_file


def test_demo_data_is_valid_and_covers_the_personas() -> None:
    rows = parse(DEMO_DATA)
    assert any(c["password"] is None for c in rows["cabinets"])
    assert any(c["status"] == "queue" for c in rows["children"])
    bound = {d["phone"] for d in rows["app_devices"]}
    assert any(c["phone"] not in bound for c in rows["cabinets"])


@pytest.mark.parametrize("mutate, location", [
    (lambda d: d["citizens"][0].update(iin="123"), "citizens[0].iin"),
    (lambda d: d["cabinets"][1].update(phone="12345"), "cabinets[1].phone"),
    (lambda d: d["cabinets"][0].update(password="weak"), "cabinets[0].password"),
    (lambda d: d["children"][0].update(status="sleeping"), "children[0].status"),
    # v3: the file is checked against the JSON Schema first, which names the list or object
    (lambda d: d["children"][0]["parents"].append("900515401231"), "children[0].parents"),
    (lambda d: d["children"][0].update(cabinet_iin="880302301234"), "children[0].cabinet_iin"),
    (lambda d: d.update(extra=[]), "extra"),
    (lambda d: d["app_devices"].append({}), "app_devices[4]"),
    (lambda d: d["app_devices"].append({"phone": "+7 705"}), "app_devices[4].phone"),
])
def test_bad_file_says_where_and_changes_nothing(db, clock, mutate, location) -> None:
    load(db, DEMO_DATA, clock.now())
    data = copy.deepcopy(DEMO_DATA)
    mutate(data)
    with pytest.raises(SandboxDataError) as err:
        load(db, data, clock.now())
    assert err.value.location == location
    assert db.scalar(select(func.count()).select_from(Cabinet)) == len(DEMO_DATA["cabinets"])
    assert db.scalar(select(func.count()).select_from(Child)) == len(DEMO_DATA["children"])


def test_invalid_json_reports_line(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"citizens": [\n  {"iin": }\n]}', encoding="utf-8")
    with pytest.raises(SandboxDataError) as err:
        read_file(str(bad))
    assert err.value.location.startswith("line 2")


def test_load_replaces_everything(db, clock) -> None:
    load(db, DEMO_DATA, clock.now())
    small = {"citizens": [], "cabinets": [json.loads(json.dumps(DEMO_DATA["cabinets"][0]))]}
    counts = load(db, small, clock.now())
    assert counts["cabinets"] == 1
    assert db.scalar(select(func.count()).select_from(Child)) == 0
