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
