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


def test_a_store_that_is_not_there_yet_is_fine_and_one_that_does_not_open_needs_a_person():
    from core.errors import AdaptError

    def fails():
        raise AdaptError("cannot open the store")
    assert health.store_check("/ws/metadata.sqlite", False, fails) == \
        health.Check("metadata", True, "/ws/metadata.sqlite: no store yet (the first run creates it)")
    assert health.store_check("/ws/metadata.sqlite", True, lambda: None).found == "/ws/metadata.sqlite: opens"
    assert health.store_check("/ws/metadata.sqlite", True, fails) == \
        health.Check("metadata", False, "cannot open the store")


def test_the_checks_come_in_order_and_a_version_folder_that_cannot_serve_needs_a_person(tmp_path):
    (tmp_path / "serving" / "taxi" / "4").mkdir(parents=True)
    old_span = tmp_path / "data" / ".span-staging.abc"
    old_span.mkdir(parents=True)
    (old_span / "part.csv").write_text("x" * 100)
    _aged(old_span, 3 * 3600)
    store = health.Check("metadata", True, "store: opens")
    checks = health.workspace_checks(tmp_path, str(tmp_path / "serving" / "taxi"), store)
    assert [check.check for check in checks] == ["free space", "metadata", "staging", "staging", "versions",
                                                 "versions"]
    assert checks[2].found == "data/.span-staging.abc: 100 B, untouched for 3 h (stale)"
    assert checks[3].found.startswith("1 stale leftover(s) of killed writes, 100 B")
    assert not checks[-1].ok and checks[-1].found.endswith("4 cannot serve: no saved_model.pb")
    assert health.staging_checks(tmp_path, clean=True)[0].found.endswith("(removed)") and not old_span.exists()
