"""Where Permit's time goes under load: py-spy on the gunicorn workers, for bench/load.py.

`load.py --profile DIR` records one Permit round of each call with

    py-spy record --pid MASTER --subprocesses --idle --format raw --rate 250

(`--idle`: a worker waiting for the database counts, as a request's time does), keeps the
raw stacks in DIR/<call>.txt and writes DIR/<call>.summary.txt: of the samples taken while
a worker served a request (a stack through Flask's `wsgi_app`), the share inside each of
a few landmarks (the database driver, Jinja, the session, ...) and the functions with the
largest inclusive and self shares. Standard library only; py-spy is a program
(`pip install py-spy`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

#: A stack is a request's when it passes through this frame.
IN_REQUEST = "wsgi_app (flask/app.py"
#: Landmarks: a sample counts for the first of these (in this order) its stack passes
#: through, so the shares add up to 100 %.
LANDMARKS = (
    ("rate limiter (Redis)", ("flask_limiter/", "limits/")),
    ("database driver (wait and parse)", ("psycopg/", "sqlite3/", "pysqlite")),
    ("SQLAlchemy (ORM and core)", ("sqlalchemy/",)),
    ("Jinja rendering", ("jinja2/", "render_template")),
    ("session and sign-in", ("flask_login/", "sessions.py", "itsdangerous/")),
    ("CSRF", ("flask_wtf/csrf",)),
    ("JSON schemas and OpenAPI", ("marshmallow/", "apispec/", "flask_smorest/")),
    ("logging", ("logging/", "app/web/logs.py")),
)
FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """Start py-spy on gunicorn's master and its workers; None (and a note) without it."""
    program = shutil.which("py-spy") or str(Path(__file__).parent.parent / ".venv/bin/py-spy")
    if not Path(program).exists():
        return None
    argv = [program, "record", "--pid", str(pid), "--subprocesses", "--idle", "--nonblocking"]
    argv += ["--format", "raw", "--rate", "250", "--duration", str(max(1, int(seconds)))]
    argv += ["--output", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def short(frame: str) -> str:
    """`function (path/to/site-packages/pkg/mod.py:12)` as `pkg/mod.py:function`."""
    found = FRAME.match(frame)
    if not found:
        return frame
    path = found["file"]
    for marker in ("site-packages/", "/lib/python3.11/", "/work/", "/tmp/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{found['function']}"


def summary(raw: Path, *, top: int = 25) -> str:
    """The report of one recording (see the module's docstring)."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        body, _, count = line.rpartition(" ")
        if not body or not count.isdigit():
            continue
        frames = tuple(body.split(";"))
        if any(IN_REQUEST in frame for frame in frames):
            # Frames outside the request (gunicorn's loop) say nothing about it.
            start = next(i for i, frame in enumerate(frames) if IN_REQUEST in frame)
            stacks[frames[start:]] += int(count)
    total = sum(stacks.values())
    if not total:
        return "no request was sampled (py-spy could not attach, or nothing ran)"
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    landmark: Counter[str] = Counter()
    for frames, count in stacks.items():
        names = [short(frame) for frame in frames]
        for name in set(names):
            inclusive[name] += count
        own[names[-1]] += count
        for label, markers in LANDMARKS:
            if any(marker in frame for frame in frames for marker in markers):
                landmark[label] += count
                break
        else:
            landmark["everything else (Flask, Werkzeug, Permit's code)"] += count
    lines = [f"{total} samples in requests"]
    lines.append("share  landmark (a sample counts for the first in this list it is inside)")
    for label, count in landmark.most_common():
        lines.append(f"{100 * count / total:5.1f}  {label}")
    lines.append("")
    lines.append("inclusive  function")
    for name, count in inclusive.most_common(top * 2):
        lines.append(f"{100 * count / total:9.1f}  {name}")
    lines.append("")
    lines.append("self  function")
    for name, count in own.most_common(top):
        lines.append(f"{100 * count / total:4.1f}  {name}")
    return "\n".join(lines)
