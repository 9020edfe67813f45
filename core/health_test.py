import os
import time

from core import health


def _aged(path, seconds):
    stamp = time.time() - seconds
    for folder, _, files in os.walk(path):
        for name in files:
            os.utime(os.path.join(folder, name), (stamp, stamp))
        os.utime(folder, (stamp, stamp))


def test_leftovers_of_killed_writes_are_found_and_only_stale_ones_removed(tmp_path):
    old_span = tmp_path / "data" / ".span-staging.abc"
    (old_span / "train").mkdir(parents=True)
    (old_span / "train" / "data.csv").write_text("x" * 2048)
    fresh_push = tmp_path / "serving" / "taxi" / ".push-3-1234abcd"
    fresh_push.mkdir(parents=True)
    (fresh_push / "saved_model.pb").write_bytes(b"\x08\x01")
    (tmp_path / "data" / "span-1").mkdir()   # a real span is no leftover
    _aged(old_span, 3 * 3600)
    found = health.staging_leftovers(tmp_path)
    assert [leftover.path for leftover in found] == [old_span, fresh_push]
    assert found[0].bytes == 2048 and found[0].age_seconds > 3 * 3600 - 5 and found[1].age_seconds < 60
    assert health.remove_stale(found) == [found[0]]
    assert not old_span.exists() and fresh_push.exists()


def test_sizes_and_ages_read_as_a_person_says_them():
    assert health.human_bytes(512) == "512 B" and health.human_bytes(3 * 1024 ** 3) == "3.0 GB"
    assert health.human_age(30) == "30 s" and health.human_age(3 * 3600) == "3 h"
    assert health.human_age(5 * 86400) == "5 days"
