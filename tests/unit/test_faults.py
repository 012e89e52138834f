import pytest

from tuner.testing.faults import ENV, Fault, active_faults, fault_for


def test_unset_means_no_fault(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert active_faults() == []


def test_several_faults_parse_and_match_by_fold_and_param(monkeypatch):
    monkeypatch.setenv(ENV, "nan:rank=3, hang@fold1:rank=4,raise")
    faults = active_faults()
    assert faults == [Fault("nan", 0, "rank", "3"), Fault("hang", 1, "rank", "4"), Fault("raise", 0, None, None)]
    assert fault_for(faults, {"rank": 3}, 0) == "nan"
    assert fault_for(faults, {"rank": 4}, 1) == "hang"
    assert fault_for(faults, {"rank": 4}, 0) == "raise"
    assert fault_for(faults, {"rank": 4}, 2) is None


def test_a_malformed_spec_is_rejected(monkeypatch):
    monkeypatch.setenv(ENV, "explode:rank=3")
    with pytest.raises(ValueError, match="explode"):
        active_faults()


def test_the_trial_number_comes_from_tunes_trial_directory():
    from tuner.testing.faults import trial_number

    d = "/runs/x/tune/tuner-trial:churn_ab12cd34_2_estimator=sklearn.ensemble.Random_2026-11-24_01-30-00"
    assert trial_number("ab12cd34", d) == 2
    assert trial_number("ab12cd34", "/runs/x/tune/other") is None
    assert fault_for([Fault("hang", 1, "trial", "2")], {"C": 1.0, "trial": 2}, 1) == "hang"


def test_within_returns_the_value_or_raises_the_error_of_the_call():
    from tuner.runner.trainable import within

    assert within(5, lambda: 42) == 42
    with pytest.raises(KeyError, match="boom"):
        within(5, lambda: {}["boom"])


def test_within_gives_up_after_the_timeout_and_leaves_a_daemon_thread():
    import threading
    import time

    from tuner.runner.trainable import within

    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        within(0.2, lambda: time.sleep(30))
    assert time.monotonic() - t0 < 5
    left = [t for t in threading.enumerate() if t.name == "tuner-fold"]
    assert left and all(t.daemon for t in left)  # the overrunning fit is still there, and cannot hold the process
