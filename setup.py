"""adapt: continuous training for ML models on TFX.

The complete, tested dependency set is locked in requirements.lock
(`make install` installs from it); install_requires below only names the
direct dependencies and the ranges this code is known to work with.
"""
from setuptools import find_packages, setup

setup(
    name="adapt",
    version="0.1.0",
    description="Continuous training on TFX: evaluate every batch, retrain on a window of spans, push only better models.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10,<3.11",
    packages=find_packages(include=["adapt", "core", "core.*", "pipeline", "pipeline.*", "components", "components.*",
                                    "models", "models.*", "serving", "serving.*"]),
    install_requires=[
        "tfx[kfp]==1.16.0",
        "apache-beam[gcp]==2.60.0",
        "tensorflow==2.16.1",
        "tf-keras>=2.16,<2.17",
        "tensorflow-data-validation==1.16.1",
        "tensorflow-model-analysis==0.47.1",
        "tensorflow-decision-forests==1.9.1",
        "kfp==2.5.0",
        "protobuf<5",
        "pyyaml",
        "scipy",
        "scikit-learn",
        "pillow",
        "matplotlib",
        "croniter",
        "tqdm",
        "fastapi",
        "uvicorn",
        "uvloop",
        "httptools",
        "httpx",
        "prometheus-client",
        "fsspec",
        "functions-framework",
        "google-cloud-aiplatform",
    ],
    extras_require={"mlflow": ["mlflow-skinny"]},
    entry_points={"console_scripts": ["adapt=pipeline.cli.main:main"]},
)
