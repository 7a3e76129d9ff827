"""Property: the planned calls never disable or un-prefer a method that the request did not name."""

from hypothesis import given
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
