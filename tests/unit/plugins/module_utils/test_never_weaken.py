"""Property: the planned calls never disable or un-prefer a method that the request did not name."""

from hypothesis import event, given, settings
from hypothesis import strategies as st

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa

METHODS = list(mfa.METHODS)
BLOCK_TO_METHOD = {block: method for method, (_cognito, block) in mfa.METHODS.items()}
optional_bool = st.one_of(st.none(), st.booleans())


@st.composite
def states(draw):
    enabled = frozenset(draw(st.sets(st.sampled_from(METHODS))))
    preferred = draw(st.one_of(st.none(), st.sampled_from(sorted(enabled)))) if enabled else None
    return mfa.MfaState(enabled, preferred)


@st.composite
def requests(draw):
    named = draw(st.lists(st.sampled_from(METHODS), unique=True))
    request = {}
    for method in named:
        enabled, preferred = draw(optional_bool), draw(optional_bool)
        if preferred and enabled is False:
            enabled = None
        if preferred:
            enabled = True
        request[method] = mfa.MethodRequest(enabled=enabled, preferred=preferred)
    preferred = [m for m, want in request.items() if want.preferred]
    for method in preferred[1:]:
        request[method] = mfa.MethodRequest(enabled=request[method].enabled, preferred=False)
    return request


@given(states(), requests())
def test_unnamed_methods_are_never_weakened(current, request):
    step = mfa.plan(current, request)
    # only named methods get a settings block
    assert {BLOCK_TO_METHOD[block] for block in step.blocks} <= set(request)
    for method in set(METHODS) - set(request):
        if method in current.enabled:
            assert method in step.expected.enabled
        # a method loses its preference only to a method the request prefers
        if current.preferred == method and step.expected.preferred != method:
            assert request[step.expected.preferred].preferred


@given(states(), requests())
def test_plan_reaches_the_request_and_is_idempotent(current, request):
    step = mfa.plan(current, request)
    assert mfa.satisfies(step.expected, request)
    assert not mfa.plan(step.expected, request).needed
    for method, want in request.items():
        if want.enabled is not None:
            assert (method in step.expected.enabled) == want.enabled
        if want.preferred:
            assert step.expected.preferred == method


# The wording, checked on the planned calls themselves and on requests as users write them
# (task-wide settings refined per user, string booleans, a TOTP reset): a method loses "enabled" only
# when the request says enabled: false for it (or resets TOTP); it loses "preferred" only when the
# request says preferred: false or enabled: false for it, prefers another method, or resets TOTP.

raw_bool = st.sampled_from([True, False, "yes", "no", "true", "false", "on", "off", None])


@st.composite
def raw_settings(draw):
    """What a user writes for one method: {enabled, preferred}, either key left out."""
    settings = {}
    for key in ("enabled", "preferred"):
        value = draw(raw_bool)
        if value is not None:
            settings[key] = value
    return settings


@st.composite
def raw_request(draw):
    """Task-wide settings and one user's entry, each naming some methods; may be invalid."""
    task = {method: draw(raw_settings()) for method in draw(st.lists(st.sampled_from(METHODS), unique=True))}
    own = {method: draw(raw_settings()) for method in draw(st.lists(st.sampled_from(METHODS), unique=True))}
    reset = draw(st.booleans())
    return task, own, reset


def _truth(value):
    return None if value is None else value in (True, "yes", "true", "on")


@settings(max_examples=400)
@given(states(), raw_request())
def test_planned_calls_never_weaken_what_the_request_does_not_ask_to_weaken(current, raw):
    task, own, reset = raw
    try:
        base = mfa.task_request({method: task.get(method) for method in METHODS})
        (user,) = mfa.user_requests([{"username": "alice", **own}], base, reset_totp=reset)
    except mfa.InvalidRequest:
        event("refused before any call")
        return  # refused before any call: nothing planned
    step = mfa.plan(current, user.methods, user.reset_totp)
    named = set(task) | set(own)
    said = {method: {key: _truth(own.get(method, {}).get(key, task.get(method, {}).get(key))) for key in ("enabled", "preferred")} for method in named}

    def asks_disable(method):
        return said.get(method, {}).get("enabled") is False or (method == mfa.TOTP and reset)

    def may_unprefer(method):
        wants = said.get(method, {})
        others_preferred = any(said[other].get("preferred") for other in said if other != method)
        return asks_disable(method) or wants.get("preferred") is False or others_preferred

    # The calls: a settings block only for a named method; Enabled false only when asked;
    # the token deleted only on a reset.
    for block_name, block in step.blocks.items():
        method = BLOCK_TO_METHOD[block_name]
        assert method in named
        if not block["Enabled"]:
            assert asks_disable(method), (block_name, block, said)
        if not block["PreferredMfa"] and current.preferred == method:
            assert may_unprefer(method), (block_name, block, said)
    assert not step.delete_token or reset
    # Their effect.
    for method in METHODS:
        if method in current.enabled and method not in step.expected.enabled:
            assert asks_disable(method), (method, current, step.expected, said)
        if current.preferred == method and step.expected.preferred != method:
            assert may_unprefer(method), (method, current, step.expected, said)
