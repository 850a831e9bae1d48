"""Why Label Studio made no webhook: the cause `backend connect` names for a URL (no server)."""

from __future__ import annotations

from sdk_scripts.ml_backend_link import missing_webhook_cause


def test_the_cause_names_a_dotless_host_or_the_ssrf_guard() -> None:
    assert "refuses the host 'ml-backend': a host name needs a dot, e.g. ml-backend.labelops.internal" in \
        missing_webhook_cause("http://ml-backend:9090/")
    for url in ("http://10.0.0.5:9090", "http://localhost:9090", "http://backend.example.org"):
        assert "SSRF protection" in missing_webhook_cause(url), url

