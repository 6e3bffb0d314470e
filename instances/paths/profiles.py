"""Travel profiles for OpenStreetMap ways: who may use a way, in which directions, and how fast.

A profile (``car``, ``bike``, ``walk``) answers, from a way's tags alone, ``(forward, backward,
speed)``: may the mode travel along the node order, against it, and at what speed (km/h); or
``None`` when the way is not for this mode. The rules follow the OSM wiki's Key:highway,
Key:access, Key:oneway and Key:maxspeed pages, simplified where routing does not need more:

- **classes**: each profile lists the ``highway`` values it uses with a default speed. Ways under
  construction, proposed or abandoned carry those words as their class and are never listed.
- **access**: the mode's own tags are read before the general ones (car: ``motorcar``,
  ``motor_vehicle``, ``vehicle``, ``access``; bike: ``bicycle``, ``vehicle``, ``access``; walk:
  ``foot``, ``access``); the first one present decides, so ``access=private`` + ``foot=yes`` is
  walkable. ``no``, ``private`` and the like refuse; everything else (``yes``, ``destination``,
  ``permissive``, unknown values) allows.
- **one-way**: ``oneway=yes/true/1`` forward only, ``-1``/``reverse`` backward only,
  ``reversible``/``alternating`` (direction changes with the time of day) not routed at all;
  roundabouts and motorways are one-way without saying so. Bikes take ``oneway:bicycle`` first and
  ride both ways on ``cycleway=opposite*``; walkers ignore ``oneway`` and read only ``oneway:foot``.
- **speed**: cars take ``maxspeed`` when it parses (``50``, ``50 mph``, ``30;50`` -> the lowest,
  ``walk`` -> 5), else the class default (``none``, ``signals``, zone codes such as ``DE:urban``);
  every speed is capped by the profile's maximum.

>>> CAR.rule({"highway": "residential", "oneway": "-1", "maxspeed": "20 mph"})
(False, True, 32.18688)
>>> WALK.rule({"highway": "residential", "oneway": "yes"})
(True, True, 5.0)
>>> BIKE.rule({"highway": "motorway"}) is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from ...errors import InputError

__all__ = ["Profile", "PROFILES", "CAR", "BIKE", "WALK", "get_profile", "parse_maxspeed"]

MPH = 1.609344
KNOTS = 1.852
WALKING_PACE = 5.0                      # km/h, what maxspeed=walk means and the walk profile's pace

_YES = {"yes", "true", "1"}
_REVERSE = {"-1", "reverse"}
_NO = {"no", "false", "0"}
_TIMED = {"reversible", "alternating"}
# values of an access tag that keep the mode out; anything else (yes, destination, permissive,
# customers, delivery, conditional text) lets it in, as a router that must reach every address would
_DENY = frozenset({"no", "private", "agricultural", "forestry", "emergency", "military", "discouraged"})
_GRANT = frozenset({"yes", "designated", "permissive", "destination", "official"})
_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")


def parse_maxspeed(value: str | None) -> float | None:
    """A ``maxspeed`` tag in km/h, or None when it gives no number (``none``, ``signals``,
    ``DE:urban``): the caller then uses the class default. Several values: the lowest.

    >>> parse_maxspeed("50"), parse_maxspeed("30 mph"), parse_maxspeed("30;50"), parse_maxspeed("DE:urban")
    (50.0, 48.28032, 30.0, None)
    """
    if not value:
        return None
    speeds = []
    for part in str(value).split(";"):
        part = part.strip().lower()
        if part == "walk":
            speeds.append(WALKING_PACE)
            continue
        match = _NUMBER.match(part)
        if match:
            speed = float(match.group(1)) * {"mph": MPH, "knots": KNOTS}.get(match.group(2) or "", 1.0)
            if speed > 0:                   # maxspeed=0 is a tagging error, not a closed road
                speeds.append(speed)
    return min(speeds) if speeds else None


@dataclass(frozen=True)
class Profile:
    """How one mode of travel reads a way: classes with default speeds (km/h), access keys from the
    most specific, the profile's speed cap, and which tags decide one-way travel."""

    name: str
    speeds: Mapping[str, float]
    max_speed: float
    access_keys: tuple[str, ...]
    use_maxspeed: bool = False
    follows_oneway: bool = True             # False: only the mode's own oneway:<mode> tag counts
    oneway_key: str | None = None           # oneway:bicycle, oneway:foot
    contraflow: bool = False                # cycleway=opposite* opens a one-way street both ways
    # classes outside ``speeds`` the mode may still use when its own access tag grants them
    # (a footway signed bicycle=designated is a cycle path)
    granted: Mapping[str, float] = field(default_factory=dict)
    excluded_service: frozenset[str] = frozenset()
    denied: frozenset[str] = _DENY

    def rule(self, tags: Mapping[str, str]) -> tuple[bool, bool, float] | None:
        """``(forward, backward, speed_kmh)`` for a way with ``tags``, or None when not usable."""
        highway = tags.get("highway")
        if highway is None or tags.get("area") == "yes":    # an area's outline is not a street
            return None
        own = tags.get(self.access_keys[0])
        speed = self.speeds.get(highway)
        if speed is None:
            speed = self.granted.get(highway) if own in _GRANT else None
            if speed is None:
                return None
        if tags.get("service") in self.excluded_service:
            return None
        for key in self.access_keys:
            value = tags.get(key)
            if value is not None:
                if value.strip().lower() in self.denied:
                    return None
                break
        if self.use_maxspeed:
            limit = parse_maxspeed(tags.get("maxspeed"))
            speed = limit if limit is not None else speed
        forward, backward = self._directions(tags, highway)
        if not (forward or backward):
            return None
        return forward, backward, float(min(speed, self.max_speed))

    def _directions(self, tags: Mapping[str, str], highway: str) -> tuple[bool, bool]:
        value = tags.get(self.oneway_key) if self.oneway_key else None
        if value is None and self.follows_oneway:
            value = tags.get("oneway")
            if self.contraflow and str(tags.get("cycleway", "")).startswith("opposite"):
                value = "no"                # a contraflow lane: bikes ride against the one-way
            if value is None and (tags.get("junction") in ("roundabout", "circular")
                                  or highway in ("motorway", "motorway_link")):
                value = "yes"
        value = (value or "no").strip().lower()
        if value in _TIMED:
            return False, False
        if value in _YES:
            return True, False
        if value in _REVERSE:
            return False, True
        return True, True


_ROADS = {"primary": 60, "primary_link": 40, "secondary": 50, "secondary_link": 40, "tertiary": 40,
          "tertiary_link": 30, "unclassified": 30, "residential": 30, "living_street": 10}

CAR = Profile(
    "car", {"motorway": 100, "motorway_link": 60, "trunk": 80, "trunk_link": 50, **_ROADS, "service": 20},
    max_speed=130, access_keys=("motorcar", "motor_vehicle", "vehicle", "access"), use_maxspeed=True,
    # parking aisles and driveways lead into lots and yards, not through them: keeping them adds
    # thousands of dead ends and lets routes cut across car parks
    excluded_service=frozenset({"parking_aisle", "driveway", "emergency_access"}))

BIKE = Profile(
    "bike", {"cycleway": 18, "primary": 18, "primary_link": 18, "secondary": 18, "secondary_link": 18,
             "tertiary": 18, "tertiary_link": 18, "unclassified": 16, "residential": 15, "living_street": 10,
             "service": 12, "track": 12, "path": 12, "bridleway": 10},
    max_speed=18, access_keys=("bicycle", "vehicle", "access"), oneway_key="oneway:bicycle", contraflow=True,
    granted={"footway": 10, "pedestrian": 10},
    # use_sidepath: the law sends cyclists to the cycle track beside this road; dismount: the bike
    # is pushed there, which a cycle router should not plan on
    denied=_DENY | {"use_sidepath", "dismount"})

WALK = Profile(
    "walk", {k: WALKING_PACE for k in (
        "footway", "pedestrian", "path", "steps", "corridor", "crossing", "living_street", "residential",
        "service", "track", "unclassified", "tertiary", "tertiary_link", "secondary", "secondary_link",
        "primary", "primary_link", "cycleway", "bridleway", "platform")},
    max_speed=WALKING_PACE, access_keys=("foot", "access"), follows_oneway=False, oneway_key="oneway:foot")

PROFILES: dict[str, Profile] = {"car": CAR, "bike": BIKE, "walk": WALK}
_ALIASES = {"drive": "car", "bicycle": "bike", "cycle": "bike", "foot": "walk"}


def get_profile(profile: str | Profile) -> Profile:
    """The profile called ``profile`` (``car``, ``bike``, ``walk``); a Profile passes through."""
    if isinstance(profile, Profile):
        return profile
    name = _ALIASES.get(str(profile).strip().lower(), str(profile).strip().lower())
    if name not in PROFILES:
        raise InputError(f"unknown travel profile {profile!r}; expected one of {', '.join(PROFILES)}",
                         field="profile")
    return PROFILES[name]
