"""kotacerdas.progress: a log line at least every 10 s, never a skipped one."""

from __future__ import annotations

import io

from kota_testing.processes import wait_for
from rich.console import Console
from rich.progress import Progress

from kotacerdas.progress import Cadence, LineProgress, progress_display


def test_a_line_is_due_on_a_ten_second_grid():
    cadence = Cadence.starting(100.0, every_s=10)
    due = [t for t in (101, 105, 109.9, 110, 111, 119.9, 120.2) if cadence.due(t)]
    assert due == [110, 120.2]


def test_slow_loop_turns_never_skip_a_line_nor_burst_catch_up_lines():
    # The demo's old rule (int(elapsed) % 10 == 0) printed nothing when a turn of 1.3 s
    # jumped from 9.1 s to 10.4 s, and so on; every period must get its line.
    cadence = Cadence.starting(0.0, every_s=10)
    printed = [t for t in (i * 1.3 for i in range(1, 47)) if cadence.due(t)]
    assert len(printed) == 5  # 10, 20, …, 50 s: one each
    gaps = [b - a for a, b in zip([0.0, *printed], printed, strict=False)]
    assert max(gaps) <= 10 + 1.3


def test_one_late_turn_prints_once_and_keeps_to_the_grid():
    cadence = Cadence.starting(0.0, every_s=10)
    assert cadence.due(34.0)  # three periods late: one line, not three
    assert not cadence.due(39.9)
    assert cadence.due(40.0)


class FakeConsole:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def print(self, text: str, **_: object) -> None:
        self.lines.append(text.strip())


def test_plain_progress_prints_start_end_and_the_newest_task_on_each_tick():
    now = [0.0]
    console = FakeConsole()
    progress = LineProgress(console, every_s=10, clock=lambda: now[0])
    floors = progress.add_task("floors", total=3, status="MQTT")
    progress.update(floors, advance=3, status="done")
    run = progress.add_task("pipeline max", total=15, status="")
    now[0] = 12.0
    progress.update(run, completed=12, status="forwarded 9,000/s")
    progress.tick()
    now[0] = 20.0
    progress.update(run, completed=15, status="draining: 10/20 stored")
    progress.tick()  # past its total (the drain), still reported
    assert console.lines == [
        "floors:     0 s   0%  MQTT",
        "floors:     0 s 100%  done",
        "pipeline max:     0 s   0%",
        "pipeline max:    12 s  80%  forwarded 9,000/s",
        "pipeline max:    20 s 100%  draining: 10/20 stored",
        "pipeline max:    20 s 100%  draining: 10/20 stored",
    ]


def test_plain_progress_ticks_by_itself_while_nothing_reports():
    console = FakeConsole()
    with LineProgress(console, every_s=0.05) as progress:
        progress.add_task("floors", total=3, status="MQTT: bare paho")
        wait_for(lambda: len(console.lines) >= 3, 10, "two ticks")
    assert console.lines[1] == console.lines[2] == "floors:     0 s   0%  MQTT: bare paho"


def test_a_terminal_gets_the_rich_bar_and_a_log_the_lines():
    terminal = Console(file=io.StringIO(), force_terminal=True)
    log = Console(file=io.StringIO(), force_terminal=False)
    assert isinstance(progress_display(terminal), Progress)
    assert isinstance(progress_display(log), LineProgress)
