"""The conformance kit: probes that prove the stand-in against real Cognito (docs/conformance.md)."""
