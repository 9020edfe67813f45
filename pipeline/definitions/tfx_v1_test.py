import subprocess
import sys

from pipeline.definitions import tfx_v1


def test_a_local_run_imports_no_google_cloud_client():
    code = ("import sys, pipeline.cli.main, pipeline.local.training, pipeline.local.batch_evaluation; "
            "print(sorted(m for m in sys.modules if m.startswith(('google.cloud.aiplatform', 'tfx.v1'))))")
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == "[]"


def test_the_names_are_tfx_v1s_own_objects():
    from tfx import v1
    for space in ("components", "dsl", "proto"):
        for name, value in vars(getattr(tfx_v1, space)).items():
            if name != "experimental":
                assert getattr(getattr(v1, space), name) is value, f"tfx.v1.{space}.{name}"
    for name, value in vars(tfx_v1.dsl.experimental).items():
        assert getattr(v1.dsl.experimental, name) is value, name
    assert tfx_v1.types.standard_artifacts.Model is v1.types.standard_artifacts.Model
