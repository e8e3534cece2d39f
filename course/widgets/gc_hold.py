"""Python's garbage collections kept out of the moments a learner waits for a paint.

After a lesson is mounted the app's heap holds some 170,000 objects, and a full collection walks
them all: a tenth of a second of CPU, several times that on a loaded machine. Which moment pays
for it is chance, set by how many objects were made since the last one; opening a lesson or
switching to its Examples tab makes many at once, so one usually fell right in the middle of the
wait for the first paint. `hold()` defers collections until `release(token)`, which the widgets
call once they are painted (Textual's call_after_refresh): the collection that was due runs right
after, while the learner reads (course.widgets.lesson_view, run_panel). A watchdog thread ends
every hold after HOLD_LIMIT seconds, so a widget removed before it painted (or an app that quit)
never leaves collections off.
"""

from __future__ import annotations

import gc
import threading

HOLD_LIMIT = 3.0  # seconds: the longest collections stay deferred for one hold

_lock = threading.Lock()
_holds: set[object] = set()
_disabled_here = False  # collections were on, and a hold turned them off


def hold() -> object:
    """Defer collections until `release(token)` (or HOLD_LIMIT seconds); returns the token."""
    global _disabled_here
    token = object()
    with _lock:
        if not _holds and gc.isenabled():
            gc.disable()
            _disabled_here = True
        _holds.add(token)
    watchdog = threading.Timer(HOLD_LIMIT, release, (token,))
    watchdog.daemon = True
    watchdog.start()
    return token


def release(token: object) -> None:
    """End one hold; collections come back on when the last hold ends (if a hold turned them off)."""
    global _disabled_here
    with _lock:
        _holds.discard(token)
        if not _holds and _disabled_here:
            _disabled_here = False
            gc.enable()


def holding() -> bool:
    """Whether some hold is deferring collections now (tests)."""
    with _lock:
        return bool(_holds)


