"""The bulk engine: pacing on a fake clock, retries on injected throttling and 5xx, aborts."""

import threading

import botocore.exceptions
import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import engine
from ansible_collections.mfaops.cognito.plugins.module_utils import errors

import fakes
from fakes import FakeClock


def client_error(code, status=400, message="boom"):
    return fakes.client_error(code, message, "AdminGetUser", status)


class FlakyClient:
    """admin_get_user fails with the queued errors first, then answers."""

    def __init__(self, errors=()):
        self.errors = list(errors)
        self.calls = 0

    def admin_get_user(self, **params):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"Username": params["Username"]}


def test_limiter_paces_calls_evenly():
    clock = FakeClock()
    limiter = engine.RateLimiter(10, clock=clock, sleep=clock.sleep)
    for _call in range(50):
        limiter.acquire()
    # 50 calls at 10/s: the first goes at once, the 50th at 4.9 s
    assert clock.now == pytest.approx(4.9)


def test_limiter_does_not_bank_idle_time():
    clock = FakeClock()
    limiter = engine.RateLimiter(10, clock=clock, sleep=clock.sleep)
    clock.now = 100.0
    for _call in range(11):
        limiter.acquire()
    assert clock.now == pytest.approx(101.0)


def test_limiter_slows_on_throttle_once_per_cooldown_and_recovers():
    clock = FakeClock()
    limiter = engine.RateLimiter(20, clock=clock, sleep=clock.sleep, aimd=engine.Aimd(decrease=0.5, increase=0.05, cooldown=1.0))
    limiter.on_throttle()
    limiter.on_throttle()  # same overload reported by another call in flight: ignored
    assert limiter.rate == pytest.approx(10)
    assert limiter.throttled == 2
    clock.now += 1.0
    limiter.on_throttle()
    assert limiter.rate == pytest.approx(5)
    for _call in range(100):
        limiter.on_success()
    assert limiter.rate == pytest.approx(20)  # never above the ceiling


def test_limiter_has_a_floor():
    clock = FakeClock()
    limiter = engine.RateLimiter(2, clock=clock, sleep=clock.sleep, aimd=engine.Aimd(min_rate=0.5, cooldown=0))
    for _call in range(20):
        limiter.on_throttle()
    assert limiter.rate == pytest.approx(0.5)


@pytest.mark.parametrize(
    "exc, kind",
    [
        (client_error("TooManyRequestsException"), "throttle"),
        (client_error("ThrottlingException"), "throttle"),
        (client_error("InternalErrorException", 500), "transient"),
        (client_error("ServiceUnavailable", 503), "transient"),
        (botocore.exceptions.ConnectionClosedError(endpoint_url="http://x"), "transient"),
        (botocore.exceptions.ReadTimeoutError(endpoint_url="http://x"), "transient"),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://x"), "unreachable"),
        (botocore.exceptions.NoCredentialsError(), "fatal"),
        (client_error("ExpiredTokenException"), "fatal"),
        (client_error("ResourceNotFoundException"), "fatal"),
        (client_error("UserNotFoundException"), "error"),
        (client_error("InvalidParameterException"), "error"),
    ],
)
def test_classify(exc, kind):
    assert engine.classify(exc) == kind


def test_classify_reraises_non_aws_errors():
    with pytest.raises(KeyError):
        engine.classify(KeyError("bug"))


def make_caller(client, retries=5, rate=100.0):
    clock = FakeClock()
    limiter = engine.RateLimiter(rate, clock=clock, sleep=clock.sleep)
    return engine.Caller(client, {"read": limiter}, retries=retries, sleep=clock.sleep, rand=lambda: 1.0), limiter, clock


def test_caller_retries_throttling_and_5xx_then_succeeds():
    client = FlakyClient([client_error("TooManyRequestsException"), client_error("InternalErrorException", 500)])
    call, limiter, clock = make_caller(client)
    assert call("read", "admin_get_user", UserPoolId="p", Username="u") == {"Username": "u"}
    assert client.calls == 3
    stats = call.stats["admin_get_user"]
    assert (stats.calls, stats.retries, stats.throttled) == (3, 2, 1)
    assert limiter.throttled == 1
    assert limiter.rate < 100  # slowed down by the throttle
    assert clock.now >= 1.0 + 0.1  # backoff: 1 s for the throttle (rand=1), 0.1 s for the 5xx at attempt 2


def test_caller_gives_up_after_retries():
    client = FlakyClient([client_error("TooManyRequestsException")] * 10)
    call, _limiter, _clock = make_caller(client, retries=3)
    with pytest.raises(botocore.exceptions.ClientError):
        call("read", "admin_get_user", UserPoolId="p", Username="u")
    assert client.calls == 4
    assert call.aborted is None


def test_caller_does_not_retry_per_user_errors():
    client = FlakyClient([client_error("UserNotFoundException")])
    call, _limiter, _clock = make_caller(client)
    with pytest.raises(botocore.exceptions.ClientError):
        call("read", "admin_get_user", UserPoolId="p", Username="u")
    assert client.calls == 1


def test_caller_aborts_on_fatal_and_refuses_further_calls():
    client = FlakyClient([client_error("ExpiredTokenException", message="The security token included in the request is expired")])
    call, _limiter, _clock = make_caller(client)
    with pytest.raises(engine.Abort) as err:
        call("read", "admin_get_user", UserPoolId="p", Username="u")
    assert err.value.code == "ExpiredTokenException"
    with pytest.raises(engine.Abort):
        call("read", "admin_get_user", UserPoolId="p", Username="v")
    assert client.calls == 1  # no retry storm


def test_caller_aborts_quickly_when_endpoint_unreachable():
    client = FlakyClient([botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:9")] * 20)
    call, _limiter, _clock = make_caller(client, retries=10)
    with pytest.raises(engine.Abort) as err:
        call("read", "admin_get_user", UserPoolId="p", Username="u")
    assert err.value.code == "EndpointConnectionError"
    assert client.calls == engine.UNREACHABLE_RETRIES + 1


def test_run_bulk_gives_every_item_a_result():
    call, _limiter, _clock = make_caller(FlakyClient())
    results = dict(engine.run_bulk(range(1000), lambda n: n * 2, workers=8, caller=call, on_not_attempted=lambda n, a: None))
    assert results == {n: n * 2 for n in range(1000)}


def test_run_bulk_stops_handing_out_work_after_abort():
    call, _limiter, _clock = make_caller(FlakyClient())

    def work(n):
        if n == 10:
            call.abort(engine.Abort("ExpiredTokenException", "expired"))
            raise call.aborted
        return "done"

    results = dict(
        engine.run_bulk(range(100), work, workers=1, caller=call, on_not_attempted=lambda n, abort: "skipped:" + abort.code)
    )
    assert len(results) == 100
    assert [results[n] for n in range(10)] == ["done"] * 10
    assert all(results[n] == "skipped:ExpiredTokenException" for n in range(10, 100))


def test_run_bulk_propagates_bugs():
    call, _limiter, _clock = make_caller(FlakyClient())

    def work(n):
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        list(engine.run_bulk(range(3), work, workers=2, caller=call, on_not_attempted=lambda n, a: None))


def test_run_bulk_starts_no_new_item_once_the_consumer_is_gone():
    """Ctrl-C reaches the module while it iterates run_bulk; the workers must not go on unseen."""
    call, _limiter, _clock = make_caller(FlakyClient())
    started = []
    gate = threading.Event()

    def work(n):
        started.append(n)
        if n >= 2:  # items 2 and 3 are in flight when the consumer goes away
            gate.wait(10)
        return n

    results = engine.run_bulk(range(10000), work, workers=2, caller=call, on_not_attempted=lambda n, a: None)
    next(results)
    threading.Timer(0.3, gate.set).start()
    results.close()  # what an exception in the consumer (KeyboardInterrupt) does to the generator
    assert sorted(started) == [0, 1, 2, 3]


def test_error_message_drops_botocore_retry_note():
    error = botocore.exceptions.ClientError(
        {"Error": {"Code": "ResourceNotFoundException", "Message": "User pool us-east-1_X does not exist."}}, "AdminGetUser"
    )
    assert errors.error_message(error) == "User pool us-east-1_X does not exist (AdminGetUser)"
    assert errors.error_message(KeyError("x")) == "'x'"


def test_run_bulk_keeps_at_most_a_backlog_of_results_for_a_slow_consumer():
    """A consumer slower than the workers (the state's writes, the report) must not make the finished results pile up:
    a 1,000,000-user run would hold most of its outcomes at once."""
    call, _limiter, _clock = make_caller(FlakyClient())
    started = [0]
    lock = threading.Lock()

    def work(n):
        with lock:
            started[0] += 1
        return n

    consumed, ahead = 0, []
    for _n, _result in engine.run_bulk(range(5 * engine.BACKLOG), work, workers=4, caller=call,
                                       on_not_attempted=lambda n, a: None):
        if consumed == 0:
            threading.Event().wait(0.2)  # the workers run ahead while the consumer is busy
        consumed += 1
        with lock:
            ahead.append(started[0] - consumed)
    assert consumed == 5 * engine.BACKLOG
    # started, not yet consumed: the backlog, the batch the consumer holds, and one item per worker
    assert max(ahead) <= 2 * engine.BACKLOG + 4
