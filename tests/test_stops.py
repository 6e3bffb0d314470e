"""Stop lists (CSV) for routing on street maps: columns, clock times, depots, and one-line errors."""

from __future__ import annotations

import io

import numpy as np
import pytest

from routeopt.errors import InputError
from routeopt.instances.paths.stops import parse_clock, read_stops, write_stops


def read(text: str):
    return read_stops(io.StringIO(text), name="stops.csv")


def test_columns_clock_times_and_depot_flag():
    s = read("Name,Latitude,Longitude,Demand,Ready,Due,Service,Depot\n"
             "A,60.171,24.95,3,08:30,10:00,5:00,no\n"
             "hub,60.17,24.94,,07:00,18:00,,yes\n"
             "B,60.172,24.951,4,,,120,0\n")
    assert s.ids == ["A", "hub", "B"]
    assert s.depot.tolist() == [False, True, False]
    assert s.lonlat[0].tolist() == [24.95, 60.171]
    assert s.demand.tolist() == [3, 0, 4]
    assert s.time_windows[0].tolist() == [8.5 * 3600, 10 * 3600]
    assert s.time_windows[2].tolist() == [0, 86400]                  # blank: the whole day
    assert s.service_time.tolist() == [300, 0, 120]                  # 5:00 is five minutes
    assert s.lines == [2, 3, 4]


def test_one_column_window_seconds_and_first_row_depot():
    s = read("id,lat,lon,time_window\nD,60.17,24.94,\nX,60.18,24.95,28800-30600\nY,60.18,24.95,08:00 - 9:15:30\n")
    assert s.depot.tolist() == [True, False, False]                  # no depot column: the first row
    assert s.time_windows[1].tolist() == [28800, 30600]
    assert s.time_windows[2].tolist() == [28800, 9 * 3600 + 15 * 60 + 30]
    assert s.demand is None and s.service_time is None


def test_clock_parsing():
    assert parse_clock("08:30") == 30600 and parse_clock("8:30:15") == 30615 and parse_clock("90") == 90
    assert parse_clock("5:00", duration=True) == 300 and parse_clock("1:00:00", duration=True) == 3600
    with pytest.raises(ValueError):
        parse_clock("noon")


@pytest.mark.parametrize("text, words", [
    ("id,lat\nA,60\n", ["no lon column"]),
    ("id,lat,lon\n", ["no stops"]),
    ("", ["empty stop list"]),
    ("id,lat,lon\nA,60.1,abc\n", ["stops.csv:2", "[lon]", "'abc' is not a number"]),
    ("id,lat,lon\nA,95,24\n", ["stops.csv:2", "[lat]", "outside -90..90"]),
    ("id,lat,lon,tw_start\nA,60,24,08:00\n", ["tw_start column without tw_end"]),
    ("id,lat,lon,tw_start,tw_end\nA,60,24,10:00,09:00\n", ["stops.csv:2", "closes", "before it opens"]),
    ("id,lat,lon,tw_start,tw_end\nA,60,24,10:00,soon\n", ["stops.csv:2", "[tw_end]", "'soon'"]),
    ("id,lat,lon,depot\nA,60,24,maybe\n", ["[depot]", "'maybe'"]),
    ("id,lat,lon,depot\nA,60,24,0\nB,60,24,0\n", ["no depot"]),
    ("id,lat,lon,depot\nA,60,24,1\n", ["every row is a depot"]),
    ("id,lat,lon\nA,60,24\nA,60.1,24\n", ["stops.csv:3", "'A' is used twice"]),
    ("id,lat,lon,demand\nD,60,24,5\nA,60,24,1\n", ["depot 'D' has a demand"]),
    ("id,lat,lon,demand\nD,60,24,\nA,60,24,-1\n", ["[demand]", "outside"]),
    ("id,lat,lon\nA,60,24,7,8\n", ["stops.csv:2", "fields for the 3 columns"]),
])
def test_bad_stop_lists_get_one_line_naming_where(text, words):
    with pytest.raises(InputError) as err:
        read(text)
    message = str(err.value)
    assert "\n" not in message
    assert all(w in message for w in words), message


def test_write_and_read_back(tmp_path):
    s = read("id,lat,lon,demand,tw_start,tw_end,service,depot\nhub,60.17,24.94,,07:00,18:00,,1\n"
             "A,60.171,24.95,3,08:30,10:00:30,300,0\n")
    path = write_stops(s, tmp_path / "s.csv")
    back = read_stops(path)
    assert back.ids == s.ids and np.allclose(back.lonlat, s.lonlat) and back.depot.tolist() == s.depot.tolist()
    assert back.time_windows.tolist() == s.time_windows.tolist() and back.demand.tolist() == s.demand.tolist()
    assert str(path) in (read_stops(path).source or "")
