"""When `adapt watch` ticks: a fixed interval (`--every 15m`) or a cron expression (`--cron "0 3 * * *"`)."""
import re
import time
from dataclasses import dataclass
from typing import Optional

from core.errors import UsageError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ScheduleError(UsageError):
    """An interval or cron expression that cannot be understood."""


def parse_interval(text: str) -> float:
    """'90s', '15m', '2h', '1d' or a bare number of seconds -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not match:
        raise ScheduleError(f"--every {text!r}: expected a number with an optional unit s, m, h or d (e.g. 15m)")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds <= 0:
        raise ScheduleError(f"--every {text!r}: the interval must be positive")
    return seconds


@dataclass(frozen=True)
class Schedule:
    every_seconds: Optional[float] = None
    cron: Optional[str] = None

    @classmethod
    def from_flags(cls, every: Optional[str], cron: Optional[str]) -> "Schedule":
        if every and cron:
            raise ScheduleError("use either --every or --cron, not both")
        if cron:
            from croniter import croniter
            if not croniter.is_valid(cron):
                raise ScheduleError(f"--cron {cron!r} is not a valid cron expression (e.g. '0 3 * * *')")
            return cls(cron=cron)
        return cls(every_seconds=parse_interval(every or "15m"))

    def next_tick(self, after: float) -> float:
        """The first tick time strictly after `after` (epoch seconds)."""
        if self.cron:
            from croniter import croniter
            return float(croniter(self.cron, after).get_next(float))
        return after + self.every_seconds

    def describe(self) -> str:
        if self.cron:
            return f"cron '{self.cron}'"
        return f"every {self.every_seconds:g}s"


def sleep_until(moment: float, stop_event) -> bool:
    """Waits until `moment` or until stop_event is set; True when stopped."""
    return stop_event.wait(max(0.0, moment - time.time()))
