"""The subcommands besides run/resume: doctor, status, submit, export."""

from tuner.ops.doctor import run_doctor
from tuner.ops.export import export_model
from tuner.ops.status import run_status
from tuner.ops.submit import submit

__all__ = ["export_model", "run_doctor", "run_status", "submit"]
