"""The sliding-window rate limits (bot/rate_limits.py) with a clock the test moves."""
import pytest

from bot.rate_limits import ChannelLimits, SlidingWindowLimit, configured_limit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides() -> None:
    clock = Clock()
    limit = SlidingWindowLimit(3, window=60, clock=clock)
    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b")  # keys are counted apart
    clock.now += 59
    assert not limit.allow("a")
    clock.now += 1.5
    assert limit.allow("a")


def test_a_refused_event_is_not_counted() -> None:
    clock = Clock()
    limit = SlidingWindowLimit(1, window=10, clock=clock)
    assert limit.allow("a")
    for _ in range(100):
        clock.now += 0.05
        assert not limit.allow("a")
    clock.now = 1010.01
    assert limit.allow("a")


def test_zero_means_no_limit() -> None:
    limit = SlidingWindowLimit(0)
    assert all(limit.allow("a") for _ in range(10_000))


def test_idle_keys_are_forgotten() -> None:
    clock = Clock()
    limit = SlidingWindowLimit(5, window=1, clock=clock)
    for number in range(999):
        limit.allow(f"address-{number}")
    clock.now += 2
    limit.allow("last")  # the 1000th call sweeps
    assert list(limit._events) == ["last"]


def test_settings(monkeypatch) -> None:
    monkeypatch.delenv("RATE_LIMIT_PER_CONVERSATION", raising=False)
    monkeypatch.setenv("RATE_LIMIT_PER_ADDRESS", "7")
    limits = ChannelLimits.from_environment()
    assert (limits.per_conversation.limit, limits.per_address.limit) == (30, 7)
    monkeypatch.setenv("RATE_LIMIT_PER_ADDRESS", "many")
    with pytest.raises(ValueError, match="RATE_LIMIT_PER_ADDRESS"):
        configured_limit("RATE_LIMIT_PER_ADDRESS", 1)
