import datetime as dt
import sqlite3

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import crypto, validators
from dangjian.core.idgen import make_id_number
from dangjian.members.models import Person


def test_masks():
    assert crypto.mask_id_number("320321198001010011") == "32**************11"
    assert crypto.mask_phone("13812345678") == "138****5678"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2008, 12, 31)), st.integers(0, 499), st.booleans())
def test_generated_id_numbers_validate(birth, seq, male):
    value = make_id_number("110101", birth, seq, male=male)
    assert validators.validate_id_number(value) == value
    assert validators.birth_date_from_id(value) == birth
    assert validators.sex_from_id(value) == ("male" if male else "female")


@pytest.mark.parametrize(
    ("value", "code"),
    [("12345", "id_format"), ("32032119800101001A", "id_format"), ("320321198002300011", "id_birth"),
     ("320321198001010012", "id_checksum")],
)
def test_bad_id_numbers_name_the_rule(value, code):
    good = make_id_number("320321", dt.date(1980, 1, 1), 5)
    assert good != "320321198001010012" or code != "id_checksum"
    with pytest.raises(ValidationError) as exc:
        validators.validate_id_number(value if code != "id_checksum" else good[:17] + ("0" if good[17] != "0" else "1"))
    assert exc.value.code == code


def test_lowercase_x_is_normalized():
    candidates = (make_id_number("320321", dt.date(1975, 5, 5), seq) for seq in range(200))
    value = next(v for v in candidates if v.endswith("X"))
    assert validators.validate_id_number(value.lower()) == value


def test_personal_data_not_readable_in_raw_database(tree, settings):
    alice = tree.alice.person
    plain_id, plain_phone = alice.id_number, alice.phone
    assert len(plain_id) == 18
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM members_person WHERE id = %s", [alice.pk])
        raw_id, raw_phone = cur.fetchone()
    assert plain_id not in raw_id and plain_phone not in raw_phone
    assert raw_id.startswith("gAAAA")  # Fernet token
    # Searchable by exact value through the digest, readable through the model.
    found = Person.objects.get(id_number_digest=crypto.digest(plain_id, purpose="id"))
    assert found.id_number == plain_id and found.phone == plain_phone


@pytest.mark.django_db(transaction=True)
def test_plaintext_absent_from_sqlite_file(tmp_path, root_user, tree):
    if connection.vendor != "sqlite":
        pytest.skip("file check is for the embedded database")
    target = tmp_path / "copy.sqlite3"
    with connection.cursor():
        pass
    dest = sqlite3.connect(target)
    connection.connection.backup(dest)
    dest.close()
    data = target.read_bytes()
    for member in (tree.alice, tree.bob, tree.carol, tree.dave):
        assert member.person.id_number.encode() not in data
        assert member.person.phone.encode() not in data
    assert "张爱丽".encode() in data  # the copy is real: names are stored in clear
