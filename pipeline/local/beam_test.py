import logging

from tfx.dsl.component.experimental.annotations import OutputDict, Parameter
from tfx.dsl.component.experimental.decorators import component

from pipeline.local.beam import echo_stderr, pipeline_progress


@component
def Echo(value: Parameter[int]) -> OutputDict(echoed=int):
    return {"echoed": value}


def test_the_log_file_has_the_log_but_not_the_database_password(tmp_path):
    log_file = tmp_path / "logs" / "run.log"
    with pipeline_progress(log_file, echo=None):
        logging.getLogger("absl").info('Using connection config:\n mysql {\n  user: "adapt"\n  password: "s3cret"\n}')
        logging.getLogger("absl").info("options password=s3cret port=3306")
    text = log_file.read_text()
    assert 'user: "adapt"' in text and "port=3306" in text
    assert "s3cret" not in text and text.count("<redacted>") == 2


def test_progress_lines_name_each_component_and_restore_the_console(tmp_path):
    lines = []
    root = logging.getLogger()
    level = root.level
    with pipeline_progress(tmp_path / "run.log", echo=lines.append):
        from pipeline.local import beam
        for listener in list(beam._listeners):
            listener("Trainer", None)
            listener("Trainer", 12.34)
    assert [line.split() for line in lines] == [["Trainer", "started"], ["Trainer", "12.3s"]]
    assert root.level == level and beam._listeners == []


def test_beam_executors_get_adapts_setup_file_so_tfx_builds_no_package_in_tmp(monkeypatch):
    from tfx.utils import dependency_utils

    from pipeline.local.beam import executor_beam_args

    def build_ephemeral_package():
        raise AssertionError("TFX would build (and leak) a 50 MB sdist of itself in /tmp")

    monkeypatch.setattr(dependency_utils, "build_ephemeral_package", build_ephemeral_package)
    args = executor_beam_args(["--direct_running_mode=in_memory", "--direct_num_workers=1"])
    assert dependency_utils.make_beam_dependency_flags(args) == args
    assert args[-1].startswith("--setup_file=") and args[-1].endswith("/setup.py")
    assert executor_beam_args([]) == []
    image = ["--runner=DataflowRunner", "--sdk_container_image=gcr.io/p/adapt:1"]
    assert executor_beam_args(image) == image


def test_native_stderr_goes_to_the_log_file_and_progress_stays_on_the_console(tmp_path, capfd):
    import os
    import subprocess
    import sys
    log = tmp_path / "run.log"
    with pipeline_progress(log, echo=echo_stderr):
        os.write(2, b"W0000 a C++ warning\n")  # what TFDV or TF-DF print past Python's logging
        subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('child warning\\n')"], check=True)
        echo_stderr("    Trainer                      started")
    os.write(2, b"after the run\n")
    console = capfd.readouterr().err
    assert "Trainer" in console and "after the run" in console
    assert "W0000" not in console and "child warning" not in console
    assert "W0000 a C++ warning" in log.read_text() and "child warning" in log.read_text()


def test_each_run_reads_back_its_own_executions_when_another_run_came_after(tmp_path):
    # Two processes running one pipeline side by side: the first to finish must not read the other's results.
    from tfx.orchestration import metadata as tfx_metadata
    from tfx.orchestration import pipeline as tfx_pipeline

    from pipeline.lineage.graph import Metadata, prop
    from pipeline.local.beam import run_pipeline

    store = str(tmp_path / "metadata.sqlite")

    def echo_pipeline(value: int):
        return tfx_pipeline.Pipeline(
            pipeline_name="echo", pipeline_root=str(tmp_path / "root"), components=[Echo(value=value)],
            enable_cache=False, metadata_connection_config=tfx_metadata.sqlite_metadata_connection_config(store))

    first, second = run_pipeline(echo_pipeline(1)), run_pipeline(echo_pipeline(2))
    assert first != second
    meta = Metadata(tfx_metadata.sqlite_metadata_connection_config(store))
    assert prop(meta.run_execution("echo", "Echo", first), "value") == 1
    assert prop(meta.run_execution("echo", "Echo", second), "value") == 2
    assert meta.run_execution("echo", "Echo", "no-such-run") is None


@component
def Refuse(value: Parameter[int]) -> OutputDict(echoed=int):
    from core.errors import BatchError
    raise BatchError(f"column 'age' expects float, got 'forty-two' (value {value})")


def test_a_failed_run_is_one_line_without_beams_step_name_which_the_run_log_keeps(tmp_path):
    import pytest
    from tfx.orchestration import metadata as tfx_metadata
    from tfx.orchestration import pipeline as tfx_pipeline

    from core.errors import PipelineError
    from pipeline.local.beam import run_pipeline
    refusing = tfx_pipeline.Pipeline(
        pipeline_name="refuse", pipeline_root=str(tmp_path / "root"), components=[Refuse(value=1)],
        metadata_connection_config=tfx_metadata.sqlite_metadata_connection_config(str(tmp_path / "m.sqlite")))
    log = tmp_path / "run.log"
    with pytest.raises(PipelineError) as failed, pipeline_progress(log, echo=None):
        run_pipeline(refusing)
    assert str(failed.value) == "pipeline refuse failed: column 'age' expects float, got 'forty-two' (value 1)"
    assert "[while running 'Run[Refuse]']" in log.read_text()
