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


def _as_beam_reraises(err: Exception, step: str) -> Exception:
    """What Beam does to an exception raised inside a step (apache_beam/runners/common.py, _reraise_augmented)."""
    return type(err)(err.args[0] + f" [while running '{step}']", *err.args[1:])


def test_no_line_a_user_reads_names_the_beam_step_and_the_exception_keeps_it_for_the_log():
    from core.errors import BatchError, unexpected_line
    refused = _as_beam_reraises(BatchError("column 'age' expects float, got 'forty-two'"), "Run[BatchPredictionGen]")
    assert str(refused) == "column 'age' expects float, got 'forty-two'"
    assert "[while running 'Run[BatchPredictionGen]']" in repr(refused)   # what the run log writes
    wrapped = PipelineError(f"pipeline adapt-batch-evaluation failed: {refused.args[0]}")
    assert str(wrapped) == "pipeline adapt-batch-evaluation failed: column 'age' expects float, got 'forty-two'"
    twice = _as_beam_reraises(_as_beam_reraises(ValueError("Feature fare: expected float"), "DecodeData"), "Outer")
    assert unexpected_line(twice) == "ValueError: Feature fare: expected float"
    assert unexpected_line(RuntimeError("")) == "RuntimeError"
