"""The training probe measures, from the model, how much of a training is still applied after 1/26/52 weeks."""

import numpy as np

from conftest import run_model, small_params


def shares(**kw):
    m = run_model(small_params(seed=5, years=2.5, regime="building", **kw))
    return m.training_probe.shares(), m.training_probe.counts()


def test_without_fading_the_applied_share_is_the_transfer_rate_at_every_age():
    s, n = shares(learning={"unpractised_decay": 0.0, "transfer_rate": 0.6})
    for age, v in s.items():
        assert n[age] > 20, f"too few people observed {age} weeks after training: {n}"
        assert abs(v - 0.6) < 1e-9, f"nothing fades, so {age}-week share should be 0.6; got {v}"


def test_applied_share_fades_with_time_and_faster_without_practice_protection():
    s, n = shares()
    assert s[1] > s[26] > s[52] > 0, f"applied share should fall with time since training: {s}"
    assert s[1] <= 0.62 + 1e-9, f"right after training at most the transfer rate is applied: {s}"
    unprotected, _ = shares(learning={"practice_protection": 0.0})
    assert unprotected[52] < s[52] - 0.03, f"without practice protection skills should fade faster: {unprotected} vs {s}"
    # With no protection the fade is the unpractised decay alone: 51 more weeks of (1 - 0.018) after the first
    # (the people observed at 1 and at 52 weeks are not all the same, hence the 1% tolerance).
    expected = unprotected[1] * (1 - 0.018) ** 51
    assert abs(unprotected[52] / expected - 1) < 0.01, f"52-week share {unprotected[52]:.4f} vs {expected:.4f}"


def test_no_training_no_measurement():
    m = run_model(small_params(seed=5, years=1.5, regime="baseline"))
    assert all(np.isnan(v) for v in m.training_probe.shares().values()), "baseline trains nobody"
    assert sum(m.training_probe.counts().values()) == 0


def test_same_employer_pay_ratio_is_measured_from_pay():
    m = run_model(small_params(seed=1, years=0.5, staff={"expat_pay_ratio": 7.2, "intl_national_pay_ratio": 1.8}))
    df = m.recorder.steps_table()
    assert np.allclose(df["expat_pay_ratio_same_employer"], 4.0), "7.2 / 1.8 = 4 at the same employers"
    m = run_model(small_params(seed=1, years=0.5, staff={"expat_pay_ratio": 7.2, "intl_national_pay_ratio": 1.8},
                               turnover={"salary_harmonisation": 1.0}))
    assert np.allclose(m.recorder.steps_table()["expat_pay_ratio_same_employer"], 7.2), (
        "with full harmonisation national staff at international organisations earn local pay")
