# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pool settings that weaken MFA, as findings: [{code, severity, message}]."""

from __future__ import annotations

from ansible_collections.mfaops.cognito.plugins.module_utils import sign_in_policy

# Authentication flows that send the password itself instead of an SRP proof (the old names too).
PASSWORD_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
FINDINGS = {
    "mfa_off": "high",
    "mfa_optional": "medium",
    "totp_not_offered": "high",
    "sms_mfa_allowed": "medium",
    "remembered_devices_skip_mfa": "medium",
    "password_auth_without_srp": "low",
    # Ways to sign in without TOTP (module_utils/sign_in_policy.py); severity per finding:
    # high when an app client with ALLOW_USER_AUTH makes them reachable, low otherwise.
    "passkey_single_factor": "high",
    "passkey_first_factor": "medium",
    "passwordless_first_factor": "high",
    "client_user_auth": "high",
}


def pool_findings(mfa_config, user_pool=None, app_clients=None):
    """Pool settings that weaken MFA: [{code, severity, message}] (app client findings name the client)."""
    mfa_config = mfa_config or {}
    user_pool = user_pool or {}
    findings = []

    def add(code, message, **more):
        findings.append(dict({"code": code, "severity": FINDINGS[code], "message": message}, **more))

    configuration = mfa_config.get("mfa_configuration") or user_pool.get("mfa_configuration")
    if configuration == "OFF":
        add("mfa_off", "MFA is OFF: no user is asked for a second factor")
    elif configuration == "OPTIONAL":
        add("mfa_optional", "MFA is OPTIONAL: users without an MFA method sign in with a password alone")
    if configuration != "OFF" and mfa_config and not (mfa_config.get("software_token_mfa_configuration") or {}).get("enabled"):
        add("totp_not_offered", "TOTP (authenticator app) MFA is not enabled in the pool: users cannot set it up")
    if mfa_config.get("sms_mfa_configuration"):
        add("sms_mfa_allowed", "SMS is allowed as an MFA factor (open to SIM swapping and interception)")
    devices = user_pool.get("device_configuration") or {}
    if devices.get("challenge_required_on_new_device"):
        who = "when the user chooses so" if devices.get("device_only_remembered_on_user_prompt") else "always"
        add(
            "remembered_devices_skip_mfa",
            f"Remembered devices sign in without MFA (ChallengeRequiredOnNewDevice); devices are remembered {who}",
        )
    for client in app_clients or []:
        flows = [flow for flow in client.get("explicit_auth_flows") or [] if flow in PASSWORD_FLOWS]
        if flows:
            name = client.get("client_name") or client.get("client_id")
            add(
                "password_auth_without_srp",
                f"App client {name} ({client.get('client_id')}) allows password sign-in without SRP: {', '.join(flows)}",
                client_id=client.get("client_id"),
                client_name=client.get("client_name"),
            )
    pool_id = user_pool.get("id") or ""
    sign_in = sign_in_policy.pool_sign_in_from_info(user_pool, mfa_config, app_clients)
    for finding in sign_in_policy.findings(pool_id, sign_in, include_mode=False):
        more = {"client_id": finding.subject} if finding.code == "client_user_auth" else {}
        findings.append(dict({"code": finding.code, "severity": finding.severity, "message": finding.message}, **more))
    return findings
