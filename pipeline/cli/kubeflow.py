"""`adapt compile` and `adapt submit`: both pipelines as KFP v2 JSON, and a run of one on Kubeflow or Vertex AI."""
import os
import sys
import time

from core.config import KubeflowConfig
from core.errors import UsageError
from pipeline.cli.common import command, emit, open_workspace


def cmd_compile(args) -> int:
    workspace, config = open_workspace(args)
    from pipeline.kubeflow import compile as kubeflow
    output = args.output or str(workspace.root / "compiled" / args.target)
    started = time.perf_counter()
    written = kubeflow.compile_pipelines(config, workspace.model_package(config), args.target, output)
    seconds = time.perf_counter() - started
    found = {name: {"path": path, "parameters": kubeflow.parameters(path)} for name, path in written.items()}
    said = f"compiled for {args.target} in {seconds:.1f}s (image {config.kubeflow.image})"
    emit(args, found, lambda found: _compiled_text(found, said))
    if not args.json and config.kubeflow.image == KubeflowConfig().image:
        print(f"adapt: warning: kubeflow.image is still the placeholder {config.kubeflow.image}: set it in adapt.yaml "
              "to the image you built from the Dockerfile, then compile again before submitting", file=sys.stderr)
    return 0


def _compiled_text(found, summary: str) -> str:
    lines = []
    for name, compiled in found.items():
        params = ", ".join(f"{k} ({v['type'].lower()})" for k, v in compiled["parameters"].items())
        lines.append(f"{name}: {compiled['path']}\n  runtime parameters: {params}")
    return "\n".join(lines + [summary])


def cmd_submit(args) -> int:
    from pipeline.kubeflow import submit
    workspace, config = open_workspace(args)
    if not os.path.exists(args.pipeline_json) and "://" not in args.pipeline_json:
        raise UsageError(f"{args.pipeline_json}: no such compiled pipeline (run `adapt compile` first)")
    host = args.host or ("" if args.vertex_project else config.kubeflow.host)
    project = args.vertex_project or ("" if args.host else config.kubeflow.vertex_project)
    run = submit.submit(args.pipeline_json, submit.parse_params(args.param), host=host, vertex_project=project,
                        region=args.region or config.kubeflow.vertex_region,
                        pipeline_root=config.kubeflow.pipeline_root, run_name=args.run_name)
    print(run)
    return 0


def add_parsers(commands) -> None:
    compile_ = command(commands, "compile", cmd_compile,
                       "compile both pipelines to KFP v2 JSON (Kubeflow or Vertex AI)",
                       json="print paths and runtime parameters as JSON")
    compile_.add_argument("--target", choices=["kubeflow", "vertex"], default="kubeflow")
    compile_.add_argument("--output", help="output folder (default: <workdir>/compiled/<target>)")

    submit = command(commands, "submit", cmd_submit, "start a run of a compiled pipeline on Kubeflow or Vertex AI")
    submit.add_argument("pipeline_json", help="a file written by `adapt compile` (local or gs://)")
    submit.add_argument("--host", help="Kubeflow Pipelines endpoint (default: kubeflow.host)")
    submit.add_argument("--vertex-project", help="GCP project for Vertex AI Pipelines")
    submit.add_argument("--region", help="Vertex AI region (default: kubeflow.vertex_region)")
    submit.add_argument("--param", action="append", metavar="NAME=VALUE", help="runtime parameter (repeatable)")
    submit.add_argument("--run-name", help="display name of the run")
