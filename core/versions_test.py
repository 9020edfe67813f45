import shutil

import pytest

from core import versions
from core.errors import VersionError

GRAPH = b"\x08\x01\x12\x04meta"   # how a SavedModel proto starts: schema version 1, then the meta graphs


def _version(base, number, graph=GRAPH, shards=2, drop_shard=False, index=True):
    folder = base / str(number)
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(graph)
    if index:
        (folder / "variables" / "variables.index").write_bytes(b"i")
    for k in range(shards - (1 if drop_shard else 0)):
        (folder / "variables" / f"variables.data-{k:05d}-of-{shards:05d}").write_bytes(b"d")
    return folder


def test_only_whole_folders_are_versions_and_the_others_are_named_with_their_problem(tmp_path):
    _version(tmp_path, 1)
    _version(tmp_path, 2, drop_shard=True)
    _version(tmp_path, 3, graph=b"<html>not a model</html>")
    _version(tmp_path, 4, index=False)
    shutil.rmtree(_version(tmp_path, 5) / "variables")   # a model without variables is whole
    (tmp_path / "6").mkdir()
    (tmp_path / ".staging-7").mkdir()   # Pusher's copy in progress: not a version folder at all
    assert versions.list_versions(str(tmp_path)) == [1, 5]
    assert versions.production_version(str(tmp_path)) == 5
    assert versions.broken_versions(str(tmp_path)) == {
        2: "variables data shards are missing", 3: "saved_model.pb is not a SavedModel",
        4: "variables/variables.index is missing", 6: "no saved_model.pb"}


def test_a_rollback_to_a_broken_folder_is_refused_naming_its_problem(tmp_path):
    _version(tmp_path, 1)
    _version(tmp_path, 2, drop_shard=True)
    _version(tmp_path, 3)
    with pytest.raises(VersionError, match=r"version 2 under .* cannot serve: variables data shards are missing"):
        versions.pin_version(str(tmp_path), 2)
    assert versions.read_pin(str(tmp_path)) is None and versions.production_version(str(tmp_path)) == 3
    versions.pin_version(str(tmp_path), 1)
    assert versions.production_version(str(tmp_path)) == 1


def test_a_canary_keeps_the_stable_version_in_production_until_promoted_or_aborted(tmp_path):
    base = str(tmp_path)
    for number in (1, 2, 3):
        _version(tmp_path, number)
    record = versions.start_canary(base, 3, 0.25)  # 3 was just pushed: 2 stays stable
    assert (record["version"], record["stable_version"], record["traffic"]) == (3, 2, 0.25)
    assert versions.production_version(base) == 2 and versions.read_canary(base)["version"] == 3
    assert versions.end_canary(base, promote=False)["version"] == 3
    assert versions.read_canary(base) is None and versions.production_version(base) == 2

    versions.start_canary(base, 3, 0.5, shadow=True)
    versions.end_canary(base, promote=True)
    assert versions.production_version(base) == 3 and versions.read_canary(base) is None
    _version(tmp_path, 4)
    assert versions.production_version(base) == 4  # a newer push serves, as after a rollback

    with pytest.raises(VersionError, match="no canary runs"):
        versions.end_canary(base, promote=True)
    with pytest.raises(VersionError, match="at most 100%"):
        versions.start_canary(base, 3, 1.5)
    with pytest.raises(VersionError, match="does not exist"):
        versions.start_canary(base, 9, 0.1)
    solo = tmp_path / "solo"
    _version(solo, 1)
    with pytest.raises(VersionError, match="only version"):
        versions.start_canary(str(solo), 1, 0.1)
