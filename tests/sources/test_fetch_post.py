"""The guarded POST webhooks use: the fetch guard's refusals, https only, no redirects followed."""

import pytest

from sources.fetch import post, refusal


def test_a_post_reaches_an_allowlisted_receiver_with_its_body_and_headers(receiver):
    result = post(receiver.url, body=b'{"seq": 1}', headers=[("X-Webhook-Seq", "1")])
    assert result.ok and result.http_status == 204
    [sent] = receiver.posts
    assert sent["body"] == b'{"seq": 1}' and sent["headers"]["X-Webhook-Seq"] == "1"


def test_a_redirect_is_an_answer_not_followed(receiver):
    receiver.status = 302
    result = post(receiver.url, body=b"{}", headers=[])
    assert result.http_status == 302 and not result.ok
    assert len(receiver.posts) == 1


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.216.34/hook", "only https"),
        ("https://2130706433/hook", "non-public address"),  # 127.0.0.1 as one number
        ("https://0x7f.1/hook", "non-public address"),
        ("https://[::ffff:127.0.0.1]/hook", "non-public address"),
        ("https://192.168.1.10/hook", "non-public address"),
        ("https://hooks.example/hook", "special-use name"),
    ],
)
def test_the_guard_refuses_before_connecting(url, why):
    assert why in refusal(url)
    result = post(url, body=b"{}", headers=[])
    assert result.http_status is None and why in result.error


def test_loopback_over_http_is_refused_unless_allowlisted(receiver, settings):
    settings.SOURCE_FETCH_ALLOWLIST = []
    assert f"port {receiver.server_address[1]} is not allowed" in refusal(receiver.url)
    settings.SOURCE_FETCH_ALLOWLIST = [receiver.host_port]
    assert refusal(receiver.url) == ""
