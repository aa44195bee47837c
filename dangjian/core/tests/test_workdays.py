"""Working days: the package's years, the weekends-only fallback, administrator-entered years,
deadline arithmetic, the staff page, permissions, audit and query counts."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import include, path
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dangjian import urls as root_urls
from dangjian.core import workdays
from dangjian.core.models import AuditEvent, OfficialCalendarYear, OfficialDay
from dangjian.core.workdays import add_workdays, calendar_status, deadline, is_holiday, is_workday, workdays_between
from dangjian.core.workdays_actions import do_delete_official_year, do_save_official_year

# The lead includes core.urls_workdays at "staff/calendar/"; until then this module is the URLconf.
if any(getattr(p, "namespace", None) == "workdays" for p in root_urls.urlpatterns):
    urlpatterns = list(root_urls.urlpatterns)
else:
    urlpatterns = [path("staff/calendar/", include("dangjian.core.urls_workdays")), *root_urls.urlpatterns]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

D = dt.date
NOTE_2027 = "国务院办公厅关于2027年部分节假日安排的通知"
SPRING_2027 = [(D(2027, 2, 6) + dt.timedelta(days=i), "holiday", "春节") for i in range(7)]  # Sat 6 .. Fri 12
MAKEUP_2027 = [(D(2027, 2, 20), "workday", "春节调休")]  # a Saturday worked
NEW_YEAR_2027 = [(D(2027, 1, 1), "holiday", "元旦")]
CALENDAR_2027 = NEW_YEAR_2027 + SPRING_2027 + MAKEUP_2027


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # The entered calendars are cached per process; tests roll the database back underneath.
    workdays.invalidate()
    yield
    workdays.invalidate()


@pytest.fixture
def today_2026(monkeypatch):
    monkeypatch.setattr(workdays, "_today", lambda: D(2026, 11, 25))


@pytest.fixture
def calendar_2027(users):
    return do_save_official_year(2027, CALENDAR_2027, source_note=NOTE_2027, acting_user=users.admin)


# --- the package's years -----------------------------------------------------------------------


def test_national_day_2026_from_the_package():
    assert calendar_status(2026) == "package"
    for day in range(1, 8):
        d = D(2026, 10, day)
        assert is_holiday(d) and not is_workday(d), d
    assert workdays.holiday_name(D(2026, 10, 1)) == "国庆节"
    assert is_workday(D(2026, 10, 8))
    assert workdays.holiday_name(D(2026, 10, 8)) is None


def test_2026_make_up_days_from_the_package_are_working_days():
    makeup = sorted(d for d in chinese_calendar.constants.workdays if d.year == 2026)
    assert makeup, "the package lists make-up working days for 2026"
    for d in makeup:
        assert d.weekday() >= 5  # weekend days worked
        assert is_workday(d)
    holidays = [d for d in chinese_calendar.constants.holidays if d.year == 2026]
    assert all(is_holiday(d) for d in holidays)
    assert workdays.year_calendar(2026).holiday_count == len(holidays)
    # Same answer as the package for every day of the year.
    d = D(2026, 1, 1)
    while d.year == 2026:
        assert is_workday(d) == chinese_calendar.is_workday(d), d
        d += dt.timedelta(days=1)


def test_datetimes_are_taken_as_local_dates():
    # 2026-09-30 17:00 UTC is 2026-10-01 01:00 in Shanghai: National Day.
    assert is_holiday(dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.UTC))
    assert is_workday(dt.datetime(2026, 9, 30, 15, 0, tzinfo=dt.UTC))


# --- the fallback --------------------------------------------------------------------------------


def test_2027_without_data_falls_back_to_weekends_only(today_2026):
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 1))
    assert calendar_status(2027) == "fallback"
    assert is_workday(D(2027, 1, 1))  # New Year's Day, but nobody said so
    assert is_workday(D(2027, 2, 8))  # Monday
    assert is_holiday(D(2027, 2, 6)) and is_holiday(D(2027, 2, 7))  # Saturday, Sunday
    assert not is_workday(D(2027, 2, 20))
    assert workdays.holiday_name(D(2027, 1, 1)) is None
    assert calendar_status(2003) == "fallback"
    assert workdays.missing_years() == [2027]
    assert workdays.missing_years(years_ahead=0) == []
    assert workdays.missing_years(years_ahead=2) == [2027, 2028]


# --- an entered year -----------------------------------------------------------------------------


def test_entered_2027_skips_spring_festival_and_counts_the_make_up_saturday(calendar_2027, today_2026):
    assert calendar_status(2027) == "official_entered"
    assert workdays.missing_years() == []
    friday = D(2027, 2, 5)
    assert is_workday(friday)
    assert all(is_holiday(d) for d, _k, _n in SPRING_2027)
    assert is_workday(D(2027, 2, 20))  # Saturday make-up day
    assert workdays.holiday_name(D(2027, 2, 20)) == "春节调休"
    assert add_workdays(friday, 1) == D(2027, 2, 15)  # Monday after the festival
    assert add_workdays(friday, 5) == D(2027, 2, 19)
    assert add_workdays(friday, 6) == D(2027, 2, 20)  # the make-up Saturday counts
    assert add_workdays(friday, 7) == D(2027, 2, 22)
    assert workdays_between(friday, D(2027, 2, 22)) == 7
    assert workdays_between(D(2027, 2, 22), friday) == -7


def test_n_zero_and_negative_n():
    saturday = D(2026, 10, 10)  # make-up working Saturday in 2026 per the package
    assert chinese_calendar.is_workday(saturday) == is_workday(saturday)
    national_day = D(2026, 10, 1)
    assert add_workdays(national_day, 0) == D(2026, 10, 8)
    assert add_workdays(D(2026, 10, 8), 0) == D(2026, 10, 8)
    assert add_workdays(D(2026, 10, 8), 1) == D(2026, 10, 9)
    with pytest.raises(ValueError):
        add_workdays(national_day, -1)
    assert workdays_between(national_day, national_day) == 0


def test_deadlines_across_the_year_boundary_fallback(db):
    new_years_eve = D(2026, 12, 31)  # Thursday
    assert deadline(new_years_eve, 1) == D(2027, 1, 1)  # weekends only: Friday counts
    assert deadline(new_years_eve, 2) == D(2027, 1, 4)
    # An aware datetime late on 12-31 UTC is already 2027-01-01 in Shanghai.
    assert deadline(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC), 1) == D(2027, 1, 4)
    assert deadline(dt.datetime(2026, 12, 31, 9, 0, tzinfo=dt.UTC), 1) == D(2027, 1, 1)


def test_deadlines_across_the_year_boundary_entered(calendar_2027):
    new_years_eve = D(2026, 12, 31)
    assert deadline(new_years_eve, 1) == D(2027, 1, 4)  # 元旦 entered for 2027
    # 2026-12-25 (Fri) .. 2027-01-08: 28, 29, 30, 31 Dec, then 4..8 Jan.
    assert workdays_between(D(2026, 12, 25), D(2027, 1, 8)) == 9
    # 15 working days from 2027-01-28 (Thu): 29 Jan, 1–5 Feb, 15–19 Feb, 20 (make-up), 22, 23, 24.
    assert deadline(D(2027, 1, 28), 15) == D(2027, 2, 24)


@pytest.fixture
def entered_or_not(request, users):
    if request.param:
        do_save_official_year(2027, CALENDAR_2027, source_note=NOTE_2027, acting_user=users.admin)
    return request.param


@pytest.mark.parametrize("entered_or_not", [False, True], indirect=True)
def test_properties(entered_or_not):
    @given(
        start=st.dates(min_value=D(2025, 6, 1), max_value=D(2027, 12, 31)),
        n=st.integers(min_value=1, max_value=300),
        m=st.integers(min_value=0, max_value=50),
    )
    @hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def check(start, n, m):
        end = add_workdays(start, n)
        assert end > start
        assert is_workday(end)
        assert workdays_between(start, end) == n
        assert workdays_between(end, start) == -n
        assert add_workdays(start, n + m) >= end  # monotonic in n
        if m:
            assert add_workdays(start, n + m) > end
        assert add_workdays(start, 0) <= add_workdays(start, 1)
        assert is_workday(add_workdays(start, 0))

    check()


def test_entered_year_overrides_the_package_and_deleting_restores_it(users):
    assert is_holiday(D(2026, 10, 5))
    # A (hypothetical) correction: National Day only 10-01..10-03.
    days = [(D(2026, 10, d), "holiday", "国庆节") for d in (1, 2, 3)]
    do_save_official_year(2026, days, source_note="更正", acting_user=users.admin)
    assert calendar_status(2026) == "official_entered"
    assert is_workday(D(2026, 10, 5))
    assert is_holiday(D(2026, 10, 1))
    assert is_workday(D(2026, 2, 16))  # the package's Spring Festival no longer applies
    assert not is_workday(D(2026, 10, 10))  # nor its make-up Saturday
    do_delete_official_year(2026, acting_user=users.admin)
    assert calendar_status(2026) == "package"
    assert is_holiday(D(2026, 10, 5))
    assert not OfficialDay.objects.filter(date__year=2026).exists()


def test_saving_again_replaces_the_year(users, calendar_2027):
    do_save_official_year(2027, SPRING_2027, source_note="修订", acting_user=users.admin)
    assert OfficialDay.objects.filter(year__year=2027).count() == len(SPRING_2027)
    assert is_workday(D(2027, 1, 1))
    assert not is_workday(D(2027, 2, 20))
    year = OfficialCalendarYear.objects.get(year=2027)
    assert year.source_note == "修订" and year.entered_by == users.admin


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("days, field", [
    ([(D(2026, 12, 31), "holiday", "")] + SPRING_2027, "days"),  # not in the year
    (SPRING_2027 + [SPRING_2027[0]], "days"),  # listed twice
    (SPRING_2027 + [(D(2027, 3, 1), "vacation", "")], "days"),  # unknown kind
    (SPRING_2027 + [(D(2027, 3, 1), "workday", "")], "days"),  # make-up day on a Monday
    (MAKEUP_2027, "days"),  # no holiday at all
    ([("2027-01-01", "holiday", "元旦")], "days"),  # not a date
])
def test_action_refuses_bad_days_and_writes_nothing(users, days, field):
    with pytest.raises(ValidationError) as exc:
        do_save_official_year(2027, days, source_note=NOTE_2027, acting_user=users.admin)
    assert field in exc.value.message_dict
    assert not OfficialCalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(action="calendar.year_saved").exists()
    assert calendar_status(2027) == "fallback"


def test_action_requires_a_source_and_a_sane_year(users):
    with pytest.raises(ValidationError) as exc:
        do_save_official_year(2027, CALENDAR_2027, source_note="  ", acting_user=users.admin)
    assert "source_note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_save_official_year(1999, [(D(1999, 1, 1), "holiday", "")], source_note="x", acting_user=users.admin)
    assert "year" in exc.value.message_dict


def test_text_lines_report_the_line_number_and_the_rule():
    text = "\n".join([
        "# 2027 notice",                 # 1 comment
        "2027-01-01 holiday 元旦",        # 2 ok
        "2027-13-01 holiday 错",          # 3 bad date
        "2026-12-31 holiday 跨年",        # 4 wrong year
        "2027-02-06 vacation 春节",       # 5 bad kind
        "2027-01-01 holiday 元旦",        # 6 twice
        "2027-02-08 workday 周一",        # 7 make-up day on a Monday
        "2027-02-09",                    # 8 no kind
        "",                              # 9 blank
        "2027-02-20 班 春节调休",          # 10 ok (alias)
    ])
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        workdays.parse_days_text(text, 2027)
    messages = exc.value.messages
    assert len(messages) == 6, messages
    joined = "\n".join(messages)
    assert "Line 3:" in joined and "YYYY-MM-DD" in joined
    assert "Line 4: 2026-12-31 is not in the year 2027" in joined
    assert "Line 5:" in joined and "“vacation”" in joined
    assert "Line 6: 2027-01-01 is listed twice" in joined
    assert "Line 7: 2027-02-08: a make-up working day must be a Saturday or Sunday" in joined
    assert "Line 8:" in joined
    assert not any(m.startswith(("Line 2:", "Line 10:")) for m in messages)


def test_text_lines_parse():
    text = "2027-01-01 holiday 元旦\n\n2027-02-20 workday 春节 调休\n2027-02-06，休，春节"
    assert workdays.parse_days_text(text, 2027) == [
        (D(2027, 1, 1), "holiday", "元旦"),
        (D(2027, 2, 20), "workday", "春节 调休"),
        (D(2027, 2, 6), "holiday", "春节"),
    ]
    assert workdays.parse_days_text(workdays.days_as_text(CALENDAR_2027), 2027) == sorted(CALENDAR_2027)


# --- permission and audit ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary", "organizer", "member", "nobody"])
def test_only_calendar_managers_may_save(users, who):
    with pytest.raises(PermissionDenied):
        do_save_official_year(2027, CALENDAR_2027, source_note=NOTE_2027, acting_user=getattr(users, who))
    assert not OfficialCalendarYear.objects.exists()


def test_audit_events_are_written(users, calendar_2027):
    event = AuditEvent.objects.get(action="calendar.year_saved")
    assert event.actor == users.admin
    assert event.before is None
    assert event.after["source_note"] == NOTE_2027
    assert ["2027-02-20", "workday", "春节调休"] in event.after["days"]
    assert len(event.after["days"]) == len(CALENDAR_2027)
    do_delete_official_year(2027, acting_user=users.admin)
    deleted = AuditEvent.objects.get(action="calendar.year_deleted")
    assert deleted.before["days"] == event.after["days"]
    with pytest.raises(ValidationError):
        do_delete_official_year(2027, acting_user=users.admin)


# --- speed ---------------------------------------------------------------------------------------


def test_add_workdays_does_not_query_per_day(calendar_2027, django_assert_max_num_queries, django_assert_num_queries):
    start = D(2026, 11, 2)
    add_workdays(start, 200)  # warm-up
    with django_assert_max_num_queries(2):
        end = add_workdays(start, 200)
        assert workdays_between(start, end) == 200
        assert is_workday(end)
    assert end.year == 2027
    # Saving a year makes the next call reload: two queries, once.
    do_save_official_year(2027, SPRING_2027, source_note=NOTE_2027, acting_user=calendar_2027.entered_by)
    with django_assert_num_queries(2):
        add_workdays(start, 200)
    with django_assert_num_queries(0):
        add_workdays(start, 200)


# --- staff pages ---------------------------------------------------------------------------------


def test_pages_need_calendar_manage(client, users, calendar_2027):
    client.force_login(users.secretary)
    assert client.get("/staff/calendar/").status_code == 403
    assert client.get("/staff/calendar/2027/").status_code == 403
    assert client.post("/staff/calendar/2027/", {"source_note": "x", "days": "2027-01-01 holiday 元旦"}).status_code == 403
    assert client.post("/staff/calendar/2027/delete").status_code == 403
    assert OfficialDay.objects.filter(year__year=2027).count() == len(CALENDAR_2027)
    client.logout()
    assert client.get("/staff/calendar/").status_code == 302  # to sign-in


def test_list_warns_when_next_year_is_unknown(client, users, today_2026):
    client.force_login(users.admin)
    response = client.get("/staff/calendar/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="calendar-missing"' in body
    assert 'href="/staff/calendar/2027/"' in body
    assert "style=" not in body.split('<main', 1)[1]
    statuses = {row.year: row.status for row in response.context["rows"]}
    assert statuses[2026] == "package" and statuses[2027] == "fallback"


def test_list_without_warning_once_entered(client, users, calendar_2027, today_2026, django_assert_max_num_queries):
    client.force_login(users.admin)
    response = client.get("/staff/calendar/")
    assert 'id="calendar-missing"' not in response.content.decode()
    row = {row.year: row for row in response.context["rows"]}[2027]
    assert row.status == "official_entered" and row.entry.source_note == NOTE_2027
    assert row.calendar.holiday_count == 8 and row.calendar.makeup_count == 1
    with django_assert_max_num_queries(12):
        client.get("/staff/calendar/")


def test_year_jump(client, users):
    client.force_login(users.admin)
    response = client.get("/staff/calendar/", {"year": "2030"})
    assert response.status_code == 302 and response["Location"] == "/staff/calendar/2030/"
    response = client.get("/staff/calendar/", {"year": "abc"}, follow=True)
    assert response.status_code == 200
    assert client.get("/staff/calendar/1999/").status_code == 404


def test_form_prefills_package_dates(client, users):
    client.force_login(users.admin)
    response = client.get("/staff/calendar/2026/")
    assert response.status_code == 200
    assert "2026-10-01 holiday 国庆节" in response.context["form"].initial["days"]


def test_preview_then_save_then_delete(client, users, today_2026):
    client.force_login(users.admin)
    text = workdays.days_as_text(CALENDAR_2027)
    response = client.post("/staff/calendar/2027/", {"source_note": NOTE_2027, "days": text, "preview": "1"})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.holiday_count == 8 and preview.makeup_count == 1
    assert 'id="calendar-preview"' in response.content.decode()
    assert not OfficialCalendarYear.objects.exists()

    response = client.post("/staff/calendar/2027/", {"source_note": NOTE_2027, "days": text, "save": "1"})
    assert response.status_code == 302 and response["Location"] == "/staff/calendar/"
    assert calendar_status(2027) == "official_entered"
    assert add_workdays(D(2027, 2, 5), 1) == D(2027, 2, 15)

    response = client.post("/staff/calendar/2027/delete")
    assert response.status_code == 302
    assert calendar_status(2027) == "fallback"
    assert client.post("/staff/calendar/2027/delete").status_code == 404


def test_bad_lines_are_shown_with_their_line_numbers_and_nothing_is_saved(client, users):
    client.force_login(users.admin)
    text = "2027-01-01 holiday 元旦\n2027-02-31 holiday 错\n2027-02-08 workday 周一"
    response = client.post("/staff/calendar/2027/", {"source_note": NOTE_2027, "days": text, "save": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors["days"]
    assert len(errors) == 2
    assert "2" in errors[0] and "2027-02-31" in errors[0]
    assert "3" in errors[1] and "2027-02-08" in errors[1]
    assert 'class="field-error"' in response.content.decode()
    assert not OfficialCalendarYear.objects.exists()


def test_missing_calendar_years_warn_the_administrators(users, monkeypatch):
    from dangjian.core import tasks, workdays
    from dangjian.core.models import Notification

    monkeypatch.setattr(workdays, "missing_years", lambda years_ahead=1: [2027])
    assert tasks.warn_missing_calendar_years.call() == [2027]
    notes = Notification.objects.filter(kind="core.calendar_missing")
    assert list(notes.values_list("recipient__username", flat=True)) == ["county-admin"]
    assert "2027" in notes.get().body


def test_missing_calendar_warning_run_twice_reminds_once(users, today_2026):
    """The task is re-run when its worker died mid-run (core.tasks.requeue_stale_tasks)."""
    from dangjian.core import tasks
    from dangjian.core.models import Notification

    assert tasks.warn_missing_calendar_years.call() == [2027]
    assert tasks.warn_missing_calendar_years.call() == [2027]
    assert Notification.objects.filter(kind="core.calendar_missing").count() == 1
