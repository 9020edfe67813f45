"""TFX's own Chicago taxi pipeline (tfx/examples/chicago_taxi_pipeline/taxi_pipeline_native_keras.py), run as
shipped except for its folders and its Beam arguments: the yardstick of benchmarks/loop_speed.py.

    python -m benchmarks.tfx_taxi ROOT [--beam-arg ARG ...]

ROOT/data/data.csv is the CSV the tfx wheel ships; pipeline root, metadata and
serving folder go under ROOT. Its module file (taxi_utils_native_keras.py,
1,000 training and 150 evaluation steps) is the wheel's.
"""
import argparse
import os
import shutil
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--beam-arg", action="append", default=[])
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import absl.logging
    absl.logging.set_verbosity(absl.logging.INFO)  # as the example's __main__ does: each component's start and end
    from tfx.examples.chicago_taxi_pipeline import taxi_pipeline_native_keras as taxi
    from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner

    example = os.path.dirname(taxi.__file__)
    data = os.path.join(args.root, "data")
    os.makedirs(data, exist_ok=True)
    shutil.copy(os.path.join(example, "data", "simple", "data.csv"), data)
    BeamDagRunner().run(taxi._create_pipeline(
        pipeline_name="chicago_taxi_native_keras", pipeline_root=os.path.join(args.root, "pipeline"),
        data_root=data, module_file=os.path.join(example, "taxi_utils_native_keras.py"),
        serving_model_dir=os.path.join(args.root, "serving"),
        metadata_path=os.path.join(args.root, "metadata.db"), beam_pipeline_args=args.beam_arg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
