# The pipeline image that compiled Kubeflow / Vertex pipelines run (kubeflow.image in adapt.yaml).
# TFX's own image brings TensorFlow, TFX, TFDV, TFMA and Beam at the versions adapt is locked to;
# this adds adapt's package and the few libraries TFX does not ship, pinned by requirements.lock.
# No ENTRYPOINT / CMD here: TFX's are kept (the compiled spec names the executor command).
#
#   docker build -t gcr.io/PROJECT/adapt:0.1.0 .
#   docker push gcr.io/PROJECT/adapt:0.1.0
FROM tensorflow/tfx:1.16.0

WORKDIR /adapt
COPY requirements.lock setup.py README.md ./
COPY adapt/ adapt/
COPY core/ core/
COPY pipeline/ pipeline/
COPY components/ components/
COPY models/ models/
COPY serving/ serving/

# Only what the TFX image lacks, constrained to the locked versions so it cannot move TFX's stack.
RUN pip install --no-cache-dir -c requirements.lock \
        fastapi uvicorn uvloop httptools httpx prometheus-client croniter fsspec gcsfs scikit-learn pillow pyyaml \
        tensorflow-decision-forests \
 && pip install --no-cache-dir --no-deps .

ENV TF_USE_LEGACY_KERAS=1
