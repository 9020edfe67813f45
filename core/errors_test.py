"""A full disk reads as one line naming the filesystem and what was written, however deep the OSError sits."""
import errno
import os

from core.errors import PipelineError, disk_full_line, is_disk_full, mount_point


def test_a_full_disk_is_found_in_the_chain_or_in_the_text_beam_and_sqlite_make_of_it():
    cause = OSError(errno.ENOSPC, "No space left on device", "/srv/ws/data/.span-staging.x/train/data.csv")
    try:
        try:
            raise cause
        except OSError as err:
            raise PipelineError("pipeline adapt-batch-evaluation failed: see the log") from err
    except PipelineError as wrapped:
        assert is_disk_full(wrapped)
        line = disk_full_line(wrapped, "/srv/ws")
    assert line.startswith(f"the disk is full: no space left on {mount_point('/srv/ws')} (writing "
                           f"/srv/ws/data/.span-staging.x/train/data.csv); free space there and run again")
    sqlite = RuntimeError("InternalError: Error when executing query: database or disk is full query: UPDATE")
    assert is_disk_full(sqlite)
    assert "(writing the metadata store of workspace /srv/ws)" in disk_full_line(sqlite, "/srv/ws")
    beam = RuntimeError("OSError: [Errno 28] No space left on device: '/srv/ws/serving/churn/.push-3-ab'")
    assert "(writing /srv/ws/serving/churn/.push-3-ab)" in disk_full_line(beam)
    assert not is_disk_full(PermissionError(errno.EACCES, "Permission denied", "/srv/ws"))


def test_the_mount_point_of_a_path_not_yet_made_is_its_nearest_parents(tmp_path):
    assert mount_point(str(tmp_path / "not" / "yet")) == mount_point(str(tmp_path))
    assert os.path.ismount(mount_point(str(tmp_path))) and mount_point(None) is None
