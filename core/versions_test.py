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
