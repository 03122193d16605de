"""Host routing: each party on its own host, unknown hosts get a clear 400."""

import pytest

pytestmark = pytest.mark.django_db

HOMES = {
    "localhost:8000": "Attribution Lab",
    "news.localhost:8000": "The Daily Byte",
    "shop.localhost:8000": "Trailhead Outfitters",
    "adtech.localhost:8000": "Adtech",
    "browser.localhost:8000": "Simulated browser",
    "aggregation.localhost:8000": "Aggregation service",
}


@pytest.mark.parametrize("host,text", HOMES.items())
def test_each_host_serves_its_party(client, host, text):
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_navigation_links_every_party(client):
    body = client.get("/", HTTP_HOST="news.localhost:8000").content.decode()
    for host in HOMES:
        assert f"http://{host}/" in body


def test_unknown_host_is_a_clear_400(client):
    response = client.get("/", HTTP_HOST="evil.example:8000")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Unknown host: evil.example" in body
    assert "news.localhost" in body


def test_domain_and_port_come_from_settings(client, settings):
    settings.ARA_DOMAIN = "lab.example"
    settings.ARA_PORT = 443
    settings.ARA_SCHEME = "https"
    response = client.get("/", HTTP_HOST="shop.lab.example")
    assert response.status_code == 200
    assert "https://news.lab.example/" in response.content.decode()
    assert client.get("/", HTTP_HOST="shop.localhost:8000").status_code == 400


def test_static_files_on_every_host(client):
    response = client.get("/static/common/lab.css", HTTP_HOST="adtech.localhost:8000")
    assert response.status_code == 200


def test_publisher_and_advertiser_pages_load_the_shim(client):
    for host in ("news.localhost:8000", "shop.localhost:8000"):
        body = client.get("/", HTTP_HOST=host).content.decode()
        assert 'src="http://browser.localhost:8000/shim.js"' in body


def test_alias_host_is_served_by_its_party(client):
    response = client.get("/", HTTP_HOST="measure.localhost:8000")
    assert response.status_code == 200
    assert "Adtech" in response.content.decode()


@pytest.mark.parametrize("host", [*HOMES, "measure.localhost:8000"])
def test_every_host_has_a_favicon(client, host):
    response = client.get("/favicon.ico", HTTP_HOST=host)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content if response.streaming else [response.content])


def test_registration_endpoints_answer_the_demo_sites_cors(client):
    """A page's XMLHttpRequest to the ad tech is a CORS request: the demo's sites may read the answer."""
    response = client.get(
        "/register/trigger?event=newsletter-signup",
        HTTP_HOST="adtech.localhost:8000",
        HTTP_ORIGIN="http://shop.localhost:8000",
    )
    assert response["Access-Control-Allow-Origin"] == "http://shop.localhost:8000"
    other = client.get(
        "/register/trigger?event=newsletter-signup",
        HTTP_HOST="adtech.localhost:8000",
        HTTP_ORIGIN="http://evil.example",
    )
    assert "Access-Control-Allow-Origin" not in other
