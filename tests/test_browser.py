"""Neo4j Browser, for real: headless Chromium drives the Browser that the local Neo4j serves,
connects over Bolt, runs a library query, plays the guide and loads the style sheet served by
``pipelines.browser_assets``.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y chromium
chromium-driver``) and the Python package ``selenium``. Nothing here skips: a missing piece fails
with the command that installs it.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver

from pipelines.browser_assets import BROWSER_DIR, NEO4J_CONF_KEYS, serve_browser_assets
from pipelines.settings import Neo4jSettings, local_bolt_port, local_http_port

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    SELENIUM_ERROR = ""
except ImportError as exc:  # reported by the fixture, never a silent skip
    SELENIUM_ERROR = str(exc)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = "run: apt-get update && apt-get install -y chromium chromium-driver"
SCREENSHOT = Path("/tmp/browser_test.png")
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]
WAIT = 30  # seconds; Browser's first load and connect take a few

MARKER = "test_browser"
CLUSTER_IDS = ("CL-TESTBROWSER-A", "CL-TESTBROWSER-B")
ORG_ID = "ORG-TESTBROWSER-1"

# Every label of the graph model with the property its caption shows.
CAPTIONS = {
    "Account": "account_id",
    "Email": "address",
    "Domain": "name",
    "Phone": "e164",
    "PaymentInstrument": "fingerprint",
    "BillingIdentity": "key",
    "IPAddress": "address",
    "Prefix": "cidr",
    "ASN": "number",
    "ProxyService": "name",
    "UserAgent": "key",
    "Organisation": "legal_name",
    "Cluster": "cluster_id",
    "Run": "run_id",
}


def query_body(name: str) -> str:
    """A library query without its ``//`` header, as an investigator pastes it."""
    lines = (QUERIES_DIR / f"{name}.cypher").read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("//")).strip()


def guide_blocks() -> list[str]:
    text = (BROWSER_DIR / "guide.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<pre class="pre-scrollable code runnable">(.*?)</pre>', text, re.S)
    return [html.unescape(b).strip() for b in blocks]


def parse_grass(text: str) -> dict[str, dict[str, str]]:
    """The same reading as Neo4j Browser's parser: ``selector { key: value; ... }``."""
    rules: dict[str, dict[str, str]] = {}
    for selector, body in re.findall(r"([^{}\s]+)\s*\{((?:\"[^\"]*\"|'[^']*'|[^}\"'])*)\}", text):
        props = {}
        for decl in body.split(";"):
            key, sep, value = decl.partition(":")
            if sep:
                props[key.strip()] = value.strip().strip("\"'")
        rules[selector] = props
    return rules


# ---------------------------------------------------------------- static checks (no server)


def test_guide_has_slides_and_library_queries() -> None:
    text = (BROWSER_DIR / "guide.html").read_text(encoding="utf-8")
    assert '<article class="guide">' in text
    assert '<carousel class="deck container-fluid">' in text
    assert text.count('<slide class="row-fluid">') >= 7
    blocks = guide_blocks()
    # The guide's query blocks are the library's queries verbatim (minus the header).
    for name in (
        "riskiest_clusters",
        "cluster_parent_evidence",
        "why_linked",
        "shared_identifiers",
        "shared_infrastructure",
        "accounts_of_parent",
        "changes_since_previous_run",
    ):
        assert query_body(name) in blocks, f"guide is out of date with queries/{name}.cypher"
    # Every parameter a guide query uses is set by a :param line of the guide.
    used = {p for b in blocks if not b.startswith(":") for p in re.findall(r"\$(\w+)", b)}
    set_ = {m.group(1) for b in blocks if (m := re.match(r":param (\w+) =>", b))}
    assert used <= set_, f"parameters without a :param line: {used - set_}"


def test_style_sheet_parses_and_captions_every_label() -> None:
    rules = parse_grass((BROWSER_DIR / "style.grass").read_text(encoding="utf-8"))
    assert "node" in rules and "relationship" in rules
    for label, prop in CAPTIONS.items():
        rule = rules.get(f"node.{label}")
        assert rule, f"no style for {label}"
        assert rule["caption"] == "{" + prop + "}", label
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", rule["color"]), label
        assert rule["diameter"].endswith("px"), label
    assert rules["relationship.LINKED_TO"]["caption"] == "{score}"
    assert rules["relationship.ATTRIBUTED_TO"]["caption"] == "{confidence}"


def test_conf_keys_name_the_allowlist() -> None:
    assert "browser.remote_content_hostname_whitelist=" in NEO4J_CONF_KEYS


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser_graph(driver: Driver, neo4j_settings: Neo4jSettings) -> Iterator[Driver]:
    """Two scored clusters (one attributed) with linked accounts, marked for clean-up."""
    cleanup = "MATCH (n {test_marker: $marker}) DETACH DELETE n"
    driver.execute_query(cleanup, marker=MARKER, database_=neo4j_settings.database)
    db = neo4j_settings.database
    driver.execute_query(
        "MERGE (o:Organisation {org_id: $org_id}) SET o.legal_name = 'Testbrowser Holdings Ltd', "
        "o.country = 'XX', o.test_marker = $marker",
        org_id=ORG_ID,
        marker=MARKER,
        database_=db,
    )
    for i, cluster_id in enumerate(CLUSTER_IDS):
        accounts = [f"acc_testbrowser_{i}_{j}" for j in range(3)]
        driver.execute_query(
            """
            MERGE (c:Cluster {cluster_id: $cluster_id})
              SET c.test_marker = $marker, c.size = 1000000 - $i, c.requests = 5000000,
                  c.risk_score = 1.0 - $i * 0.001, c.is_campaign = true,
                  c.features = ['test_browser fixture']
            WITH c
            UNWIND $accounts AS account_id
            MERGE (a:Account {account_id: account_id})
              SET a.test_marker = $marker, a.status = 'active', a.requests = 100
            MERGE (a)-[:IN_CLUSTER]->(c)
            """,
            cluster_id=cluster_id,
            i=i,
            accounts=accounts,
            marker=MARKER,
            database_=db,
        )
        driver.execute_query(
            """
            UNWIND range(0, size($accounts) - 2) AS k
            MATCH (a:Account {account_id: $accounts[k]}), (b:Account {account_id: $accounts[k + 1]})
            MERGE (a)-[l:LINKED_TO]->(b) SET l.score = 0.9, l.evidence = ['shared card']
            """,
            accounts=accounts,
            database_=db,
        )
    driver.execute_query(
        "MATCH (c:Cluster {cluster_id: $cluster_id}), (o:Organisation {org_id: $org_id}) "
        "MERGE (c)-[r:ATTRIBUTED_TO]->(o) SET r.rank = 1, r.confidence = 0.87",
        cluster_id=CLUSTER_IDS[0],
        org_id=ORG_ID,
        database_=db,
    )
    yield driver
    driver.execute_query(cleanup, marker=MARKER, database_=neo4j_settings.database)


@pytest.fixture(scope="module")
def assets_url() -> Iterator[str]:
    server, url = serve_browser_assets(port=0)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chrome() -> Iterator[webdriver.Chrome]:
    if SELENIUM_ERROR:
        pytest.fail(
            f"selenium is not installed ({SELENIUM_ERROR}); run: .venv/bin/pip install selenium"
        )
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists() or not shutil.which(str(path)):
            pytest.fail(f"{path} is missing; {INSTALL_HINT}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.TemporaryDirectory(prefix="attrib-chromium-")
    for flag in [*CHROME_FLAGS, f"--user-data-dir={profile.name}"]:
        options.add_argument(flag)
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield drv
    finally:
        drv.quit()
        profile.cleanup()


@pytest.fixture(scope="module")
def connected(chrome: webdriver.Chrome) -> webdriver.Chrome:
    """Neo4j Browser open and connected through its connect form."""
    # Read here, not taken as a fixture argument: pytest prints a failing fixture's arguments,
    # and the settings hold the password (NEO4J_PASSWORD or .env).
    settings = Neo4jSettings.from_env()
    chrome.get(f"http://127.0.0.1:{local_http_port()}/browser/")
    wait = WebDriverWait(chrome, WAIT)
    address = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, tid("boltaddress"))))
    Select(chrome.find_element(By.CSS_SELECTOR, tid("bolt-scheme-select"))).select_by_value(
        "bolt://"
    )
    # clear() does not reach React's state; select all and type over it.
    address.send_keys(Keys.CONTROL, "a")
    address.send_keys(f"127.0.0.1:{local_bolt_port()}")
    chrome.find_element(By.CSS_SELECTOR, tid("username")).send_keys(settings.username)
    chrome.find_element(By.CSS_SELECTOR, tid("password")).send_keys(settings.password)
    chrome.find_element(By.CSS_SELECTOR, tid("connect")).click()
    try:
        wait.until(lambda d: "You are connected as user" in d.page_source)
    except TimeoutException:
        chrome.save_screenshot(str(SCREENSHOT))
        pytest.fail(f"Neo4j Browser did not connect; see {SCREENSHOT}")
    return chrome


# ---------------------------------------------------------------- helpers


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def run_in_editor(chrome: webdriver.Chrome, command: str) -> WebElement:
    """Type ``command`` into Browser's editor, run it and return its (newest) frame."""
    before = len(chrome.find_elements(By.CSS_SELECTOR, tid("frame")))
    editor = chrome.find_element(By.CSS_SELECTOR, tid("activeEditor"))
    editor.click()
    field = chrome.switch_to.active_element
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    # One line: in the one-line editor Enter runs, and Cypher does not need the line breaks.
    field.send_keys(" ".join(command.split()))
    field.send_keys(Keys.CONTROL, Keys.ENTER)
    WebDriverWait(chrome, WAIT).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, tid("frame"))) > before
    )
    return chrome.find_elements(By.CSS_SELECTOR, tid("frame"))[0]


def wait_for_text(chrome: webdriver.Chrome, element: WebElement, text: str) -> None:
    try:
        WebDriverWait(chrome, WAIT).until(lambda _: text in element.text)
    except TimeoutException:
        chrome.save_screenshot(str(SCREENSHOT))
        pytest.fail(f"{text!r} never appeared in the frame:\n{element.text[:2000]}\n{SCREENSHOT}")


# ---------------------------------------------------------------- the browser itself


@pytest.mark.neo4j
def test_param_guide_expressions_run(browser_graph: Driver, neo4j_settings: Neo4jSettings) -> None:
    """Each ``:param x => expression`` of the guide is valid Cypher (Browser runs it as
    ``RETURN expression AS x``) and finds a value on a graph with scored clusters."""
    for block in guide_blocks():
        m = re.match(r":param (\w+) => (.+)$", block, re.S)
        if not m:
            continue
        assert "$" not in m.group(2), "Browser cannot evaluate a :param that uses a parameter"
        records, _, _ = browser_graph.execute_query(
            f"RETURN {m.group(2)} AS value", database_=neo4j_settings.database
        )
        assert records[0]["value"] is not None, block


@pytest.mark.neo4j
def test_riskiest_clusters_in_browser(browser_graph: Driver, connected: webdriver.Chrome) -> None:
    frame = run_in_editor(connected, ":param limit => 5")
    wait_for_text(connected, frame, "limit")
    frame = run_in_editor(connected, query_body("riskiest_clusters"))
    wait_for_text(connected, frame, CLUSTER_IDS[0])
    assert CLUSTER_IDS[1] in frame.text
    assert "Testbrowser Holdings Ltd" in frame.text  # the rank-1 parent column
    assert "Started streaming" in frame.text  # the status bar of a result, not an error
    connected.save_screenshot(str(SCREENSHOT.with_name("browser_test_table.png")))

    # Step 2 of the guide as an investigator runs it: the :param that picks the riskiest
    # cluster from the graph (a COLLECT subquery), then the cluster's parent and evidence.
    pick = next(b for b in guide_blocks() if b.startswith(":param cluster_id => COLLECT"))
    frame = run_in_editor(connected, pick)
    wait_for_text(connected, frame, CLUSTER_IDS[0])
    frame = run_in_editor(connected, query_body("cluster_parent_evidence"))
    wait_for_text(connected, frame, "Testbrowser Holdings Ltd")
    assert ORG_ID in frame.text


@pytest.mark.neo4j
def test_guide_and_style_in_browser(
    browser_graph: Driver, connected: webdriver.Chrome, assets_url: str
) -> None:
    frame = run_in_editor(connected, f":style {assets_url}style.grass")
    # The style frame lists the loaded rules; an error frame would say "Could not parse".
    wait_for_text(connected, frame, "node.Cluster")
    assert "{legal_name}" in frame.text
    assert "{score}" in frame.text

    frame = run_in_editor(connected, f":play {assets_url}guide.html")
    wait_for_text(connected, frame, "Investigating a distillation campaign")
    carousel = frame.find_element(By.CSS_SELECTOR, tid("carousel"))
    assert "riskiest" in carousel.text
    assert "Hostname is not allowed" not in frame.text

    # A graph drawn with the style: the attributed cluster, its parent and its accounts.
    frame = run_in_editor(
        connected,
        f"MATCH p = (:Organisation {{org_id: '{ORG_ID}'}})<-[:ATTRIBUTED_TO]-(:Cluster)"
        "<-[:IN_CLUSTER]-(:Account) RETURN p",
    )
    wait_for_text(connected, frame, "Displaying 5 nodes, 6 relationships")
    # Captions from the style: the attribution's confidence and the link scores, not the types.
    assert "0.87" in frame.text
    assert "0.9" in frame.text
    assert "CL-TESTBR" in frame.text  # the cluster captioned by its id (cut to fit the circle)
    badge = frame.find_element(
        By.CSS_SELECTOR, tid("property-details-overview-node-label-Organisation")
    )
    assert badge.value_of_css_property("background-color") in (
        "rgb(139, 79, 184)",
        "rgba(139, 79, 184, 1)",
    ), "Organisation is not drawn in the style sheet's colour"
    connected.save_screenshot(str(SCREENSHOT))
