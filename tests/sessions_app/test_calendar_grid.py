"""The hour grid's layout maths (sessions_app.calendar_grid): pieces of a day, lanes for overlaps,
sessions across hours and midnight, the window, the "now" line, time zones and the clock changes."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest

from sessions_app import calendar_grid as grid

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
DAY = date(2027, 1, 6)


def local(hour, minute=0, day=DAY, zone=LONDON):
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def lanes_of(*spans):
    """Lay out pieces given as (top, bottom) minutes: [(lane, lanes), ...] in the order given."""
    pieces = [(n, grid.Piece(top, bottom)) for n, (top, bottom) in enumerate(spans)]
    placed = {p.item: (p.lane, p.lanes) for p in grid.lay_out(pieces)}
    return [placed[n] for n in range(len(spans))]


@dataclass
class Block:  # the fields of WorkingHours the maths reads
    weekday: int
    start: time
    end: time


# --- pieces of a day ------------------------------------------------------------------------------


def test_a_session_is_placed_by_its_start_and_length():
    part = grid.piece(local(10), local(11), DAY, LONDON)
    assert part == grid.Piece(600, 660)
    window = grid.Window(8, 18)
    assert window.row(part.top) == 2 * 12 + 1 and window.span(part.top, part.bottom) == 12


def test_a_session_across_hours_starts_mid_hour_and_spans_two():
    part = grid.piece(local(10, 30), local(11, 20), DAY, LONDON)
    window = grid.Window(8, 18)
    assert (part.top, part.bottom) == (630, 680)
    assert window.row(part.top) == 31 and window.span(part.top, part.bottom) == 10  # 50 minutes of 5


def test_a_session_on_another_day_is_not_on_this_one():
    assert grid.piece(local(10, day=date(2027, 1, 7)), local(11, day=date(2027, 1, 7)), DAY, LONDON) is None
    assert grid.piece(local(10, day=date(2027, 1, 5)), local(11, day=date(2027, 1, 5)), DAY, LONDON) is None


def test_a_session_across_midnight_is_cut_into_two_pieces():
    start, end = local(23, 30), local(0, 30, day=date(2027, 1, 7))
    assert grid.piece(start, end, DAY, LONDON) == grid.Piece(1410, 1440, starts_before=False, ends_after=True)
    assert grid.piece(start, end, date(2027, 1, 7), LONDON) == grid.Piece(0, 30, starts_before=True, ends_after=False)


def test_a_session_ending_at_midnight_does_not_spill_into_the_next_day():
    start, end = local(23), local(0, day=date(2027, 1, 7))
    assert grid.piece(start, end, DAY, LONDON) == grid.Piece(1380, 1440)
    assert grid.piece(start, end, date(2027, 1, 7), LONDON) is None


# --- overlaps -------------------------------------------------------------------------------------


def test_sessions_that_do_not_overlap_each_take_the_whole_column():
    assert lanes_of((600, 660), (660, 720)) == [(0, 1), (0, 1)]


def test_two_overlapping_sessions_sit_side_by_side():
    assert lanes_of((600, 660), (630, 690)) == [(0, 2), (1, 2)]


def test_a_chain_of_overlaps_shares_lanes_and_reuses_a_free_one():
    # A 10-11 and B 10:30-11:30 overlap; C 11-12 overlaps only B, so it takes A's lane when A ends.
    assert lanes_of((600, 660), (630, 690), (660, 720)) == [(0, 2), (1, 2), (0, 2)]


def test_a_later_group_starts_afresh():
    assert lanes_of((600, 660), (630, 690), (800, 860)) == [(0, 2), (1, 2), (0, 1)]


def test_three_at_once_take_thirds_and_five_at_once_take_sixths():
    assert [lanes for _, lanes in lanes_of(*[(600, 660)] * 3)] == [3, 3, 3]
    assert lanes_of(*[(600, 660)] * 5) == [(n, 6) for n in range(5)]


def test_seven_at_once_stay_inside_the_six_lanes_the_stylesheet_knows():
    assert {lanes for _, lanes in lanes_of(*[(600, 660)] * 7)} == {6}
    assert max(lane for lane, _ in lanes_of(*[(600, 660)] * 7)) == 5


# --- the window and the "now" line ----------------------------------------------------------------


def test_an_empty_day_shows_office_hours_and_early_or_late_sessions_widen_it():
    assert grid.window_for([]) == grid.Window(8, 18)
    assert grid.window_for([grid.Piece(6 * 60 + 30, 7 * 60 + 30), grid.Piece(21 * 60, 22 * 60 + 10)]) == grid.Window(
        6, 23
    )
    assert grid.Window(8, 18).rows == 120


def test_the_hour_axis_labels_each_hour_on_its_row():
    assert grid.Window(8, 10).hour_rows() == [("08:00", 1), ("09:00", 13)]


def test_the_now_line_is_on_todays_column_inside_the_window_only():
    window = grid.Window(8, 18)
    now = local(10, 42)
    assert grid.now_row(now, DAY, window, LONDON) == window.row(642) == 33  # (10:42 - 08:00) // 5 minutes + 1
    assert grid.now_row(now, date(2027, 1, 7), window, LONDON) is None
    assert grid.now_row(local(19), DAY, window, LONDON) is None
    # the viewer's zone decides the day and the hour: 10:42 in London is 05:42 in New York
    assert grid.now_row(now, DAY, window, NEW_YORK) is None


# --- time zones and the clock changes -------------------------------------------------------------


def test_working_hours_in_the_therapists_zone_are_shaded_at_the_viewers_hours():
    monday_to_friday = [Block(weekday=d, start=time(9), end=time(17)) for d in range(5)]
    # London 09:00-17:00 on Wednesday is 04:00-12:00 in New York in January.
    assert grid.weekly_blocks(monday_to_friday, day=DAY, zone=NEW_YORK, own_zone=LONDON) == [grid.Piece(240, 720)]
    # A therapist in New York seen from London: 14:00-22:00.
    assert grid.weekly_blocks(monday_to_friday, day=DAY, zone=LONDON, own_zone=NEW_YORK) == [grid.Piece(840, 1320)]


def test_working_hours_moved_across_midnight_by_the_zone_land_on_the_right_days():
    late = [Block(weekday=2, start=time(20), end=time(23))]  # Wednesday evening in New York
    thursday = date(2027, 1, 7)
    assert grid.weekly_blocks(late, day=DAY, zone=LONDON, own_zone=NEW_YORK) == []
    assert grid.weekly_blocks(late, day=thursday, zone=LONDON, own_zone=NEW_YORK) == [grid.Piece(60, 240)]


def test_working_until_23_59_means_to_the_end_of_the_day():
    all_day = [Block(weekday=2, start=time(0), end=time(23, 59))]
    assert grid.weekly_blocks(all_day, day=DAY, zone=LONDON, own_zone=LONDON) == [grid.Piece(0, 1440)]


def test_a_session_is_placed_at_the_viewers_wall_clock():
    start = datetime(2027, 1, 6, 15, tzinfo=UTC)  # 15:00 UTC = 10:00 in New York
    assert grid.piece(start, start.replace(hour=16), DAY, NEW_YORK) == grid.Piece(600, 660)


SPRING, AUTUMN = date(2027, 3, 28), date(2027, 10, 31)  # the clocks change in London at 01:00 UTC


def test_the_hour_the_clocks_skip_has_no_slot_and_the_repeated_hour_has_one():
    window = grid.Window(0, 4)
    spring = [s.strftime("%H:%M") for s in grid.slot_starts(SPRING, window, LONDON)]
    assert spring == ["00:00", "02:00", "03:00"]
    autumn = grid.slot_starts(AUTUMN, window, LONDON)
    assert [s.strftime("%H:%M") for s in autumn] == ["00:00", "01:00", "02:00", "03:00"]
    assert autumn[1].utcoffset().total_seconds() == 3600  # the first 01:00, still summer time


@pytest.mark.parametrize(
    ("day", "start_utc", "top", "bottom"),
    [
        # 00:30 GMT to 02:30 BST: one real hour, drawn from 00:30 for an hour
        (SPRING, datetime(2027, 3, 28, 0, 30, tzinfo=UTC), 30, 90),
        # 01:30 BST to 01:30 GMT: one real hour, drawn from 01:30 for an hour
        (AUTUMN, datetime(2027, 10, 31, 0, 30, tzinfo=UTC), 90, 150),
        # after the change: at its new wall-clock time
        (SPRING, datetime(2027, 3, 28, 9, tzinfo=UTC), 600, 660),
        (AUTUMN, datetime(2027, 10, 31, 10, tzinfo=UTC), 600, 660),
    ],
)
def test_on_the_nights_the_clocks_change_a_session_keeps_its_real_length(day, start_utc, top, bottom):
    end = start_utc.replace(hour=start_utc.hour + 1)
    assert grid.piece(start_utc, end, day, LONDON) == grid.Piece(top, bottom)
