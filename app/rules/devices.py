"""A session's device in a few words, from its User-Agent: "Firefox on macOS".

Only for people to recognise their own sessions by: a User-Agent is whatever the client
chose to send, so nothing decides anything on it. The browsers and systems people here
use are named; anything else is "Unknown browser" or "an unknown system", and no header
at all is "Unknown device". Plain Python, no library: the few names below are all the
page needs, and a parser's database would have to be kept up to date for them.
"""

from __future__ import annotations

UNKNOWN_DEVICE = "Unknown device"
UNKNOWN_BROWSER = "Unknown browser"
UNKNOWN_SYSTEM = "an unknown system"

#: (marker in the User-Agent, browser), first match wins. Order matters: Edge and Opera
#: also say "Chrome/", Chrome also says "Safari/", and Chrome and Firefox on iOS call
#: themselves CriOS and FxiOS.
BROWSERS: tuple[tuple[str, str], ...] = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("Edge/", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("Trident/", "Internet Explorer"),
    ("MSIE ", "Internet Explorer"),
)

#: (marker, system), first match wins: iPhones and iPads say "like Mac OS X", Android
#: says "Linux", and ChromeOS says "CrOS" (and sometimes "Linux").
SYSTEMS: tuple[tuple[str, str], ...] = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str | None) -> str:
    """ "Chrome on Windows", "Safari on iPhone", "Firefox on an unknown system",
    "Unknown browser on Linux"; "Unknown device" when neither is recognised."""
    if not user_agent:
        return UNKNOWN_DEVICE
    browser = _first(BROWSERS, user_agent)
    system = _first(SYSTEMS, user_agent)
    if browser is None and system is None:
        return UNKNOWN_DEVICE
    return f"{browser or UNKNOWN_BROWSER} on {system or UNKNOWN_SYSTEM}"


def _first(markers: tuple[tuple[str, str], ...], user_agent: str) -> str | None:
    return next((name for marker, name in markers if marker in user_agent), None)
