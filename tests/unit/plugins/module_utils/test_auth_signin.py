# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sign-in driver (SignInTest) against a stubbed Cognito client and a fake clock.

The stand-in (moto 5.2.5) never answers AdminInitiateAuth with SELECT_MFA_TYPE or
MFA_SETUP, does not check SRP proofs and has no lockout; those paths are covered here
with a scripted client. The SRP tests run a small server side of Cognito's SRP
(written here from the protocol, independently of pycognito) that accepts the proof
only if the password is right.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import auth

from fakes import client_error
from fakes import FakeClock

STANDIN_SECRET = "TKRAZINCFKGU5ZH2QFDJSEYR5G7XQDBI"
ENROLLED_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"
POOL_ID = "us-east-1_AbCdEf123"
T0 = 1_700_000_020.0  # 10 s into a 30 s step (1_700_000_010 is a step start)
assert T0 % 30 == 10


class ScriptedClient:
    """Each call takes the next (operation, handler) of the script; handler(kwargs) returns or raises."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def __getattr__(self, operation):
        def call(**kwargs):
            self.calls.append((operation, kwargs))
            assert self.script, "unexpected call {0}".format(operation)
            expected, handler = self.script.pop(0)
            assert operation == expected, "called {0}, expected {1}".format(operation, expected)
            return handler(kwargs) if callable(handler) else handler

        return call


def tokens(**extra):
    result = {"AccessToken": "acc.tok.en", "IdToken": "id.tok.en", "RefreshToken": "ref.tok.en", "ExpiresIn": 3600, "TokenType": "Bearer"}
    result.update(extra)
    return {"AuthenticationResult": result, "ChallengeParameters": {}}


def challenge(name, session="sess-1", **params):
    return {"ChallengeName": name, "Session": session, "ChallengeParameters": params}


def raises(code, message=""):
    def handler(kwargs):
        raise client_error(code, message)

    return handler


def run(client, clock=None, protected=None, **settings):
    clock = clock or FakeClock(T0)
    values = dict(client_id=CLIENT_ID, username="alice", password="Passw0rd!", user_pool_id=POOL_ID)
    values.update(settings)
    test = auth.SignInTest(
        client,
        auth.AuthSettings(**values),
        protect=(protected.add if protected is not None else None),
        clock=clock,
        sleep=clock.sleep,
    )
    return test.run()


def expected_code(secret, now):
    return auth.totp_code(secret, int(now // 30))


# --- ADMIN_USER_PASSWORD_AUTH -------------------------------------------------------


def test_admin_flow_answers_software_token_mfa_with_the_current_code():
    clock = FakeClock(T0)
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("SOFTWARE_TOKEN_MFA")),
        ("admin_respond_to_auth_challenge", tokens()),
    )
    result = run(client, clock, totp_secret=STANDIN_SECRET)

    assert result.as_dict() == {
        "authenticated": True,
        "outcome": "signed_in",
        "challenges": ["SOFTWARE_TOKEN_MFA"],
        "totp_required": True,
        "decided_by": None,
        "reason": None,
        "error_code": None,
        "error_message": None,
        "token_type": "Bearer",
        "expires_in": 3600,
        "device_metadata_issued": False,
        "password_changed": False,
        "enrolled": False,
        "changed": False,
    }
    initiate, respond = (kwargs for _op, kwargs in client.calls)
    assert initiate == {
        "UserPoolId": POOL_ID,
        "ClientId": CLIENT_ID,
        "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"},
    }
    assert respond == {
        "UserPoolId": POOL_ID,
        "ClientId": CLIENT_ID,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": "sess-1",
        "ChallengeResponses": {"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": expected_code(STANDIN_SECRET, T0)},
    }
    assert clock.sleeps == []
    assert result.tokens == {"access_token": "acc.tok.en", "id_token": "id.tok.en", "refresh_token": "ref.tok.en"}


def test_waits_for_the_next_step_when_the_current_one_is_about_to_end():
    next_step = int(T0 // 30) + 1
    clock = FakeClock(now=next_step * 30 - 2.0)  # 2 s left in the step
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("SOFTWARE_TOKEN_MFA")),
        ("admin_respond_to_auth_challenge", tokens()),
    )
    result = run(client, clock, totp_secret=STANDIN_SECRET, totp_min_remaining=5)
    assert result.authenticated
    assert clock.sleeps == [pytest.approx(2 + auth.STEP_MARGIN)]
    sent = client.calls[1][1]["ChallengeResponses"]["SOFTWARE_TOKEN_MFA_CODE"]
    assert sent == auth.totp_code(STANDIN_SECRET, next_step)


def test_literal_code_is_sent_as_given():
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("SOFTWARE_TOKEN_MFA")),
        ("admin_respond_to_auth_challenge", tokens()),
    )
    result = run(client, totp_code="123456")
    assert result.authenticated
    assert client.calls[1][1]["ChallengeResponses"]["SOFTWARE_TOKEN_MFA_CODE"] == "123456"


def test_wrong_code_is_a_refusal_named_by_the_challenge():
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("SOFTWARE_TOKEN_MFA")),
        ("admin_respond_to_auth_challenge", raises("CodeMismatchException", "Invalid code received for user")),
    )
    result = run(client, totp_code="000000")
    assert (result.outcome, result.decided_by, result.error_code, result.reason) == (
        "refused",
        "SOFTWARE_TOKEN_MFA",
        "CodeMismatchException",
        "wrong TOTP code",
    )
    assert auth.judge("refused", result.as_dict())[0] is True
    passed, message = auth.judge("mfa_required", result.as_dict())
    assert not passed
    assert "refused at SOFTWARE_TOKEN_MFA: CodeMismatchException: wrong TOTP code" in message


@pytest.mark.parametrize(
    "code, message, reason",
    [
        ("NotAuthorizedException", "Incorrect username or password.", "wrong password (or unknown user)"),
        ("NotAuthorizedException", "User is disabled.", "user is disabled"),
        ("NotAuthorizedException", "Password attempts exceeded", "locked out after too many failed attempts"),
        ("UserNotConfirmedException", "User is not confirmed.", "user not confirmed"),
        ("PasswordResetRequiredException", "Password reset required for the user", "password reset required"),
    ],
)
def test_password_step_refusals(code, message, reason):
    client = ScriptedClient(("admin_initiate_auth", raises(code, message)))
    result = run(client, totp_secret=STANDIN_SECRET)
    assert (result.outcome, result.decided_by, result.error_code, result.reason) == (
        "refused",
        "ADMIN_USER_PASSWORD_AUTH",
        code,
        reason,
    )
    assert result.challenges == []


def test_signed_in_without_mfa():
    client = ScriptedClient(("admin_initiate_auth", tokens(NewDeviceMetadata={"DeviceKey": "dk", "DeviceGroupKey": "dgk"})))
    result = run(client)
    assert result.authenticated
    assert result.challenges == []
    assert result.totp_required is False
    assert result.device_metadata_issued is True
    assert auth.judge("mfa_required", result.as_dict())[0] is False
    assert auth.judge("success", result.as_dict())[0] is True


def test_select_mfa_type_chooses_totp_then_answers_it():
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("SELECT_MFA_TYPE", MFAS_CAN_CHOOSE='["SMS_MFA","SOFTWARE_TOKEN_MFA"]')),
        ("admin_respond_to_auth_challenge", challenge("SOFTWARE_TOKEN_MFA", session="sess-2")),
        ("admin_respond_to_auth_challenge", tokens()),
    )
    result = run(client, totp_secret=STANDIN_SECRET)
    assert result.authenticated and result.totp_required
    assert result.challenges == ["SELECT_MFA_TYPE", "SOFTWARE_TOKEN_MFA"]
    assert client.calls[1][1]["ChallengeResponses"] == {"USERNAME": "alice", "ANSWER": "SOFTWARE_TOKEN_MFA"}
    assert client.calls[2][1]["Session"] == "sess-2"


def test_mfa_challenged_stops_at_the_totp_challenge_without_a_code():
    client = ScriptedClient(("admin_initiate_auth", challenge("SOFTWARE_TOKEN_MFA")))
    result = run(client, expect="mfa_challenged")
    assert result.outcome == "challenged"
    assert len(client.calls) == 1
    assert auth.judge("mfa_challenged", result.as_dict()) == (
        True,
        "The password was accepted and Cognito asked for a TOTP code (SOFTWARE_TOKEN_MFA) (challenges: SOFTWARE_TOKEN_MFA).",
    )


def test_sms_challenge_ends_the_test():
    client = ScriptedClient(("admin_initiate_auth", challenge("SMS_MFA", CODE_DELIVERY_DESTINATION="+*******1234")))
    result = run(client, totp_secret=STANDIN_SECRET)
    assert (result.outcome, result.decided_by) == ("stopped", "SMS_MFA")
    assert "SMS" in result.reason


# --- SECRET_HASH ------------------------------------------------------------------------


def test_secret_hash_is_sent_in_every_auth_call_and_answer():
    secret = "client-secret-value"
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("SELECT_MFA_TYPE")),
        ("admin_respond_to_auth_challenge", challenge("SOFTWARE_TOKEN_MFA", session="sess-2")),
        ("admin_respond_to_auth_challenge", tokens()),
    )
    result = run(client, totp_secret=STANDIN_SECRET, client_secret=secret)
    assert result.authenticated
    want = auth.secret_hash("alice", CLIENT_ID, secret)
    assert client.calls[0][1]["AuthParameters"]["SECRET_HASH"] == want
    assert client.calls[1][1]["ChallengeResponses"]["SECRET_HASH"] == want
    assert client.calls[2][1]["ChallengeResponses"]["SECRET_HASH"] == want


def test_secret_hash_of_answers_uses_the_username_cognito_names():
    # Signing in by an alias: Cognito names the user by its internal username in the challenge.
    secret = "client-secret-value"
    client = ScriptedClient(
        ("initiate_auth", challenge("SOFTWARE_TOKEN_MFA", USER_ID_FOR_SRP="6f1c-uuid", USERNAME="6f1c-uuid")),
        ("respond_to_auth_challenge", tokens()),
    )
    result = run(client, auth_flow="USER_PASSWORD_AUTH", username="alice@example.com", totp_secret=STANDIN_SECRET, client_secret=secret)
    assert result.authenticated
    assert client.calls[0][1]["AuthParameters"]["SECRET_HASH"] == auth.secret_hash("alice@example.com", CLIENT_ID, secret)
    answer = client.calls[1][1]["ChallengeResponses"]
    assert answer["USERNAME"] == "6f1c-uuid"
    assert answer["SECRET_HASH"] == auth.secret_hash("6f1c-uuid", CLIENT_ID, secret)
    assert "UserPoolId" not in client.calls[1][1]


# --- NEW_PASSWORD_REQUIRED and MFA_SETUP (enrolment) --------------------------------------


def enrolment_script(verify_status="SUCCESS"):
    # What Cognito does for an administrator-created user in a pool whose MFA is ON.
    # moto reaches MFA_SETUP only after NEW_PASSWORD_REQUIRED or SRP; never from AdminInitiateAuth.
    return ScriptedClient(
        ("admin_initiate_auth", challenge("NEW_PASSWORD_REQUIRED", session="s1", requiredAttributes="[]", userAttributes="{}")),
        ("admin_respond_to_auth_challenge", challenge("MFA_SETUP", session="s2", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]')),
        ("associate_software_token", {"SecretCode": ENROLLED_SECRET, "Session": "s3"}),
        ("verify_software_token", {"Status": verify_status, "Session": "s4"}),
        ("admin_respond_to_auth_challenge", tokens()),
    )


def test_new_password_then_enrolment_through_mfa_setup():
    clock = FakeClock(T0)
    client = enrolment_script()
    protected = set()
    result = run(client, clock, protected, new_password="N3w-Passw0rd!", enroll=True)

    assert result.authenticated and result.changed
    assert result.password_changed and result.enrolled
    assert result.challenges == ["NEW_PASSWORD_REQUIRED", "MFA_SETUP"]
    assert result.totp_required is True
    assert result.new_totp_secret == ENROLLED_SECRET
    assert auth.judge("mfa_required", result.as_dict())[0] is True

    calls = dict((op, kw) for op, kw in client.calls[2:4])
    assert client.calls[1][1]["ChallengeResponses"] == {"USERNAME": "alice", "NEW_PASSWORD": "N3w-Passw0rd!"}
    assert calls["associate_software_token"] == {"Session": "s2"}
    assert calls["verify_software_token"] == {
        "Session": "s3",
        "UserCode": expected_code(ENROLLED_SECRET, T0),
        "FriendlyDeviceName": "mfaops-cognito",
    }
    final = client.calls[4][1]
    assert (final["ChallengeName"], final["Session"], final["ChallengeResponses"]) == ("MFA_SETUP", "s4", {"USERNAME": "alice"})
    # Everything secret that the run saw was handed to protect().
    assert {"s1", "s2", "s3", "s4", ENROLLED_SECRET, expected_code(ENROLLED_SECRET, T0), "acc.tok.en", "id.tok.en", "ref.tok.en"} <= protected


def test_after_enrolment_a_totp_challenge_gets_the_next_steps_code():
    # If Cognito asks for a code right after enrolment, the code just used must not be sent again.
    clock = FakeClock(T0)
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("MFA_SETUP", session="s1", MFAS_CAN_SETUP="['SOFTWARE_TOKEN_MFA']")),
        ("associate_software_token", {"SecretCode": ENROLLED_SECRET, "Session": "s2"}),
        ("verify_software_token", {"Status": "SUCCESS", "Session": "s3"}),
        ("admin_respond_to_auth_challenge", challenge("SOFTWARE_TOKEN_MFA", session="s4")),
        ("admin_respond_to_auth_challenge", tokens()),
    )
    result = run(client, clock, enroll=True)
    assert result.authenticated
    step = int(T0 // 30)
    assert client.calls[2][1]["UserCode"] == auth.totp_code(ENROLLED_SECRET, step)
    assert clock.sleeps == [pytest.approx(20 + auth.STEP_MARGIN)]
    sent = client.calls[4][1]["ChallengeResponses"]["SOFTWARE_TOKEN_MFA_CODE"]
    assert sent == auth.totp_code(ENROLLED_SECRET, step + 1)


def test_mfa_setup_without_enroll_stops_and_changes_nothing():
    client = ScriptedClient(("admin_initiate_auth", challenge("MFA_SETUP", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]')))
    result = run(client, totp_secret=STANDIN_SECRET)
    assert (result.outcome, result.decided_by, result.changed) == ("stopped", "MFA_SETUP", False)
    assert "enroll=true" in result.reason
    assert len(client.calls) == 1


def test_enrolment_code_rejected():
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("MFA_SETUP", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]')),
        ("associate_software_token", {"SecretCode": ENROLLED_SECRET, "Session": "s2"}),
        ("verify_software_token", raises("EnableSoftwareTokenMFAException", "Code mismatch")),
    )
    result = run(client, enroll=True)
    assert (result.outcome, result.decided_by, result.error_code) == ("refused", "MFA_SETUP", "EnableSoftwareTokenMFAException")
    assert not result.enrolled and not result.changed


def test_new_password_rejected_by_policy_is_an_error_not_a_refusal():
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("NEW_PASSWORD_REQUIRED")),
        ("admin_respond_to_auth_challenge", raises("InvalidPasswordException", "Password does not conform to policy")),
    )
    result = run(client, new_password="short")
    assert (result.outcome, result.decided_by, result.password_changed) == ("error", "NEW_PASSWORD_REQUIRED", False)
    assert auth.judge("refused", result.as_dict())[0] is False


def test_new_password_required_without_new_password_stops():
    client = ScriptedClient(("admin_initiate_auth", challenge("NEW_PASSWORD_REQUIRED")))
    result = run(client)
    assert (result.outcome, result.decided_by) == ("stopped", "NEW_PASSWORD_REQUIRED")


def test_endless_challenges_end_with_an_error():
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("SELECT_MFA_TYPE")),
        *[("admin_respond_to_auth_challenge", challenge("SELECT_MFA_TYPE"))] * auth.MAX_ROUNDS
    )
    result = run(client, totp_secret=STANDIN_SECRET)
    assert result.outcome == "error"
    assert "more than" in result.reason


def test_errors_without_a_code_are_raised():
    def boom(kwargs):
        raise OSError("connection refused")

    with pytest.raises(OSError):
        run(ScriptedClient(("admin_initiate_auth", boom)))


# --- USER_SRP_AUTH -------------------------------------------------------------------------

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)  # RFC 3526 3072-bit MODP group, the group Cognito uses
N = int(N_HEX, 16)
G = 2


def _hex(value):
    """Cognito's padHex: even length, and a leading 00 when the top bit is set (a positive number)."""
    text = "{0:x}".format(value)
    if len(text) % 2:
        text = "0" + text
    elif text[0] in "89abcdef":
        text = "00" + text
    return text


def _h(hex_text):
    return int(hashlib.sha256(bytes.fromhex(hex_text)).hexdigest(), 16)


class SrpServer:
    """The server side of Cognito's SRP-6a, enough to check a client's PASSWORD_VERIFIER proof."""

    def __init__(self, pool_id, user_id, password):
        self.pool_name = pool_id.split("_", 1)[1]
        self.user_id = user_id
        self.salt = int.from_bytes(os.urandom(16), "big")
        inner = hashlib.sha256("{0}{1}:{2}".format(self.pool_name, user_id, password).encode()).hexdigest()
        x = _h(_hex(self.salt) + inner)
        self.v = pow(G, x, N)
        self.k = _h(_hex(N) + _hex(G))
        self.b = int.from_bytes(os.urandom(128), "big") % N
        self.B = (self.k * self.v + pow(G, self.b, N)) % N
        self.secret_block = base64.b64encode(os.urandom(64)).decode()

    def challenge(self):
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": {
                "SALT": _hex(self.salt),
                "SRP_B": "{0:x}".format(self.B),
                "SECRET_BLOCK": self.secret_block,
                "USER_ID_FOR_SRP": self.user_id,
                "USERNAME": self.user_id,
            },
        }

    def proof_is_valid(self, srp_a_hex, responses):
        A = int(srp_a_hex, 16)
        u = _h(_hex(A) + _hex(self.B))
        S = pow(A * pow(self.v, u, N), self.b, N)
        prk = hmac.new(bytes.fromhex(_hex(u)), bytes.fromhex(_hex(S)), hashlib.sha256).digest()
        key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
        message = (
            self.pool_name.encode()
            + self.user_id.encode()
            + base64.b64decode(responses["PASSWORD_CLAIM_SECRET_BLOCK"])
            + responses["TIMESTAMP"].encode()
        )
        expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, responses["PASSWORD_CLAIM_SIGNATURE"])


def srp_client(server, after_proof):
    seen = {}

    def initiate(kwargs):
        seen["A"] = kwargs["AuthParameters"]["SRP_A"]
        return server.challenge()

    def verify(kwargs):
        responses = kwargs["ChallengeResponses"]
        assert responses["PASSWORD_CLAIM_SECRET_BLOCK"] == server.secret_block
        if not server.proof_is_valid(seen["A"], responses):
            raise client_error("NotAuthorizedException", "Incorrect username or password.")
        return after_proof

    return ScriptedClient(("initiate_auth", initiate), ("respond_to_auth_challenge", verify), ("respond_to_auth_challenge", tokens()))


needs_pycognito = pytest.mark.skipif(auth.srp_import_error() is not None, reason="pycognito is not installed")


@needs_pycognito
def test_srp_right_password_proves_itself_then_answers_totp():
    server = SrpServer(POOL_ID, "alice", "Passw0rd!")
    client = srp_client(server, challenge("SOFTWARE_TOKEN_MFA", session="after-srp"))
    protected = set()
    result = run(client, protected=protected, auth_flow="USER_SRP_AUTH", totp_secret=STANDIN_SECRET)
    assert result.authenticated
    assert result.challenges == ["PASSWORD_VERIFIER", "SOFTWARE_TOKEN_MFA"]
    initiate = client.calls[0][1]
    assert initiate["AuthFlow"] == "USER_SRP_AUTH"
    assert set(initiate["AuthParameters"]) == {"USERNAME", "SRP_A"}  # no password is sent
    assert "Passw0rd!" not in repr(client.calls)
    assert client.calls[2][1]["Session"] == "after-srp"
    assert client.calls[1][1]["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"] in protected


@needs_pycognito
def test_srp_wrong_password_is_refused_by_the_server():
    server = SrpServer(POOL_ID, "alice", "Passw0rd!")
    client = srp_client(server, challenge("SOFTWARE_TOKEN_MFA"))
    result = run(client, auth_flow="USER_SRP_AUTH", password="wrong-password", totp_secret=STANDIN_SECRET)
    assert (result.outcome, result.decided_by, result.reason) == ("refused", "PASSWORD_VERIFIER", "wrong password (or unknown user)")


@needs_pycognito
def test_srp_with_client_secret_sends_secret_hash_in_both_steps():
    server = SrpServer(POOL_ID, "alice", "Passw0rd!")
    client = srp_client(server, tokens())
    client.script.pop()  # signed in right after the proof
    result = run(client, auth_flow="USER_SRP_AUTH", client_secret="cs", expect="success")
    assert result.authenticated
    want = auth.secret_hash("alice", CLIENT_ID, "cs")
    assert client.calls[0][1]["AuthParameters"]["SECRET_HASH"] == want
    assert client.calls[1][1]["ChallengeResponses"]["SECRET_HASH"] == want
