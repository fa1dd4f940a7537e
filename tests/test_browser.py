"""Neo4j Browser, for real: headless Chromium drives the Browser that the local Neo4j serves,
connects over Bolt, runs library queries (tables, and graphs it draws), plays the guide and loads
the style sheet served by ``pipelines.investigate.browser_assets``; and it opens a case report.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y chromium
chromium-driver``) and the Python package ``selenium``. Nothing here skips: a missing piece fails
with the command that installs it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver

from pipelines.investigate.browser_assets import BROWSER_DIR, NEO4J_CONF_KEYS, serve_browser_assets
from pipelines.investigate.specificity import evidence_rules
from pipelines.paths import PipelinePaths
from pipelines.report.case import CaseTables, build_case, parents
from pipelines.report.render import write_case
from pipelines.settings import Neo4jSettings, local_bolt_port, local_http_port
from tests.graphs import STORE_SHARING_OF_MARKED

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
OPERATOR_ID = "ORG-TESTBROWSER-2"

# Every label of the graph model with its caption: short and meaningful (an account's id tail
# and email skeleton, an IP with its ASN, an organisation's short name are ``caption``).
CAPTIONS = {
    "Account": "{caption}",
    "Email": "{address}",
    "Domain": "{name}",
    "Phone": "{e164}",
    "PaymentInstrument": "{funding_type} {bin}…{last4}",
    "BillingIdentity": "{billing_name}",
    "IPAddress": "{caption}",
    "Prefix": "{cidr} AS{asn}",
    "ASN": "AS{number}",
    "ProxyService": "{name}",
    "UserAgent": "{user_agent}",
    "Organisation": "{caption}",
    "Cluster": "{cluster_id} ({size})",
    "Campaign": "{campaign_id} ({size})",
    "Run": "{run_id}",
}
# Library queries that answer "how is X connected to Y" with paths Browser draws.
GRAPH_QUERIES = ("why_linked", "shared_identifiers", "cluster_graph",
                 "evidence_path_account_org", "ownership_chain", "cluster_parent_evidence")


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
    assert ":guide http://localhost:8001/guide.html" in text  # stays in the sidebar
    blocks = guide_blocks()
    # The guide's query blocks are the library's queries verbatim (minus the header).
    for path in sorted(QUERIES_DIR.glob("*.cypher")):
        assert query_body(path.stem) in blocks, f"guide is out of date with {path.name}"
    # The evidence rules pasted into Browser are the resolver's.
    rules = next(b for b in blocks if b.startswith(":param evidence_rules =>"))
    as_json = re.sub(r"(\w+):", r'"\1":', rules.split("=>", 1)[1].strip().strip("()"))
    assert json.loads(as_json) == evidence_rules()
    # Every parameter a guide query uses is set by a :param line of the guide.
    used = {p for b in blocks if not b.startswith(":") for p in re.findall(r"\$(\w+)", b)}
    set_ = {m.group(1) for b in blocks if (m := re.match(r":param (\w+) =>", b))}
    assert used <= set_, f"parameters without a :param line: {used - set_}"


def test_style_sheet_parses_and_captions_every_label() -> None:
    rules = parse_grass((BROWSER_DIR / "style.grass").read_text(encoding="utf-8"))
    assert "node" in rules and "relationship" in rules
    for label, caption in CAPTIONS.items():
        rule = rules.get(f"node.{label}")
        assert rule, f"no style for {label}"
        assert rule["caption"] == caption, label
        assert ":" not in caption and ";" not in caption  # Browser's parser splits on them
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", rule["color"]), label
        assert rule["diameter"].endswith("px"), label
    assert rules["relationship.LINKED_TO"]["caption"] == "{score}"
    assert rules["relationship.ATTRIBUTED_TO"]["caption"] == "{confidence}"
    assert rules["relationship.OWNED_BY"]["caption"] == "{percentage} % {relationship}"
    for evidence in ("DECLARES", "NAMES", "REGISTERED_BY"):
        assert rules[f"relationship.{evidence}"]["caption"] == "match {score}"


def test_conf_keys_name_the_allowlist() -> None:
    assert "browser.remote_content_hostname_whitelist=" in NEO4J_CONF_KEYS


# ---------------------------------------------------------------- fixtures


# The first cluster's accounts each pay with their own card but the first two share one; each
# declares the operating company, which a holding controls (the attributed parent).
EVIDENCE_GRAPH = """
MATCH (c:Cluster {cluster_id: $cluster_id}), (parent:Organisation {org_id: $org_id})
MERGE (op:Organisation {org_id: $operator_id})
  SET op.legal_name = 'Testbrowser Operations Ltd', op.caption = 'Testbrowser Operations',
      op.country = 'XX', op.source_file = 'organisations.csv', op.source_row = 3,
      op.test_marker = $marker
MERGE (op)-[s:OWNED_BY]->(parent)
  SET s.percentage = 80.0, s.relationship = 'shareholder', s.controls = true,
      s.source = 'registry-test', s.source_file = 'ownership.csv', s.source_row = 2
MERGE (card:PaymentInstrument {fingerprint: 'fp_testbrowser_shared'})
  SET card.funding_type = 'prepaid', card.bin = '53000000', card.last4 = '0001',
      card.test_marker = $marker
WITH c, op, card
MATCH (a:Account)-[:IN_CLUSTER]->(c)
MERGE (a)-[d:DECLARES]->(op) SET d.score = 100.0, d.method = 'exact_key'
WITH a, card, a.account_id IN $card_holders AS holder
CALL (a, card, holder) {
  WITH a, card, holder WHERE holder
  MERGE (a)-[p:PAYS_WITH]->(card)
    SET p.source_file = 'payment_instruments.csv', p.source_row = 10
}
"""


@pytest.fixture(scope="module")
def browser_graph(driver: Driver, neo4j_settings: Neo4jSettings) -> Iterator[Driver]:
    """Two scored clusters (one attributed, with an evidence path to its parent) with linked
    accounts, marked for clean-up."""
    cleanup = "MATCH (n {test_marker: $marker}) DETACH DELETE n"
    driver.execute_query(cleanup, marker=MARKER, database_=neo4j_settings.database)
    db = neo4j_settings.database
    driver.execute_query(
        "MERGE (o:Organisation {org_id: $org_id}) SET o.legal_name = 'Testbrowser Holdings Ltd', "
        "o.caption = 'Testbrowser Holdings', o.country = 'XX', o.test_marker = $marker",
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
                  c.features = $features
            MERGE (cp:Campaign {campaign_id: 'CP-' + $cluster_id})
              SET cp.test_marker = $marker, cp.size = 1000000 - $i, cp.requests = 5000000,
                  cp.risk_score = 1.0 - $i * 0.001, cp.is_campaign = true,
                  cp.features = $features
            MERGE (c)-[:PART_OF]->(cp)
            WITH c, cp
            UNWIND $accounts AS account_id
            MERGE (a:Account {account_id: account_id})
              SET a.test_marker = $marker, a.status = 'active', a.requests = 100,
                  a.caption = right(account_id, 4) + ' tb…@testbrowser',
                  a.source_file = 'accounts.csv', a.source_row = 100 + $i
            MERGE (a)-[:IN_CLUSTER]->(c)
            MERGE (a)-[:IN_CAMPAIGN]->(cp)
            """,
            cluster_id=cluster_id,
            i=i,
            accounts=accounts,
            marker=MARKER,
            features=json.dumps({"creation_burst": {"value": 1.0, "contribution": 1.0}}),
            database_=db,
        )
        driver.execute_query(
            """
            UNWIND range(0, size($accounts) - 2) AS k
            MATCH (a:Account {account_id: $accounts[k]}), (b:Account {account_id: $accounts[k + 1]})
            MERGE (a)-[l:LINKED_TO]->(b) SET l.score = 0.9, l.evidence = $evidence
            """,
            accounts=accounts,
            evidence=json.dumps([{"kind": "payment", "value": "fp_testbrowser_shared",
                                  "accounts": 2, "weight": 0.9}]),
            database_=db,
        )
    driver.execute_query(
        "MATCH (c:Campaign {campaign_id: 'CP-' + $cluster_id}), "
        "(o:Organisation {org_id: $org_id}) "
        "MERGE (c)-[r:ATTRIBUTED_TO]->(o) SET r.rank = 1, r.confidence = 0.87, "
        "r.evidence_paths = '[]', r.conflicting = '[]'",
        cluster_id=CLUSTER_IDS[0],
        org_id=ORG_ID,
        database_=db,
    )
    driver.execute_query(
        EVIDENCE_GRAPH, cluster_id=CLUSTER_IDS[0], org_id=ORG_ID, operator_id=OPERATOR_ID,
        card_holders=[f"acc_testbrowser_0_{j}" for j in range(2)], marker=MARKER, database_=db)
    driver.execute_query(STORE_SHARING_OF_MARKED, marker=MARKER, database_=db)
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
    newest = top_frame(chrome)
    editor = chrome.find_element(By.CSS_SELECTOR, tid("activeEditor"))
    editor.click()
    field = chrome.switch_to.active_element
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    # Inserted as one input event (as a paste would), not typed key by key: long library
    # queries typed one key at a time outlast chromedriver's timeout on a busy machine. Line
    # by line, as the query is written: the editor re-reads a long line far more slowly than
    # the same text in lines (the longest library query took 20 s to paste as one line, 5 s
    # as its 60 lines); a pasted line break does not run the query, Ctrl+Enter does.
    lines = (" ".join(line.split()) for line in command.splitlines())
    chrome.execute_cdp_cmd("Input.insertText", {"text": "\n".join(line for line in lines if line)})
    field.send_keys(Keys.CONTROL, Keys.ENTER)
    # A new frame goes on top (Browser keeps 15 and drops the oldest, so count is no sign).
    WebDriverWait(chrome, WAIT).until(lambda d: top_frame(d) not in (None, newest))
    return top_frame(chrome)


def top_frame(chrome: webdriver.Chrome) -> WebElement | None:
    frames = chrome.find_elements(By.CSS_SELECTOR, tid("frame"))
    return frames[0] if frames else None


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
    # The cluster, its campaign and the ranked parent, drawn (rows in the Table view).
    wait_for_text(connected, frame, "Displaying 3 nodes, 2 relationships")
    assert "Organisation (1)" in frame.text and "ATTRIBUTED_TO" in frame.text


@pytest.mark.neo4j
def test_guide_and_style_in_browser(
    browser_graph: Driver, connected: webdriver.Chrome, assets_url: str
) -> None:
    frame = run_in_editor(connected, f":style {assets_url}style.grass")
    # The style frame lists the loaded rules; an error frame would say "Could not parse".
    wait_for_text(connected, frame, "node.Cluster")
    assert "{caption}" in frame.text and "{cidr} AS{asn}" in frame.text
    assert "{score}" in frame.text

    frame = run_in_editor(connected, f":play {assets_url}guide.html")
    wait_for_text(connected, frame, "Investigating a distillation campaign")
    carousel = frame.find_element(By.CSS_SELECTOR, tid("carousel"))
    assert "riskiest" in carousel.text
    assert "Hostname is not allowed" not in frame.text

    # :guide opens the same guide in the sidebar, where it stays while frames scroll.
    before = top_frame(connected)
    editor = connected.find_element(By.CSS_SELECTOR, tid("activeEditor"))
    editor.click()
    field = connected.switch_to.active_element
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(f":guide {assets_url}guide.html", Keys.CONTROL, Keys.ENTER)
    WebDriverWait(connected, WAIT).until(
        lambda d: "The evidence rules" in d.page_source or "evidence rules" in d.page_source)
    assert top_frame(connected) == before  # no new frame: the guide is in the sidebar

    # A graph drawn with the style: the attributed campaign, its parent and its accounts.
    frame = run_in_editor(
        connected,
        f"MATCH p = (:Organisation {{org_id: '{ORG_ID}'}})<-[:ATTRIBUTED_TO]-(:Campaign)"
        "<-[:IN_CAMPAIGN]-(:Account) RETURN p",
    )
    wait_for_text(connected, frame, "Displaying 5 nodes, 6 relationships")
    # Captions from the style: the attribution's confidence and the link scores, not the types.
    assert "0.87" in frame.text
    assert "0.9" in frame.text
    assert "CP-CL-" in frame.text  # the campaign captioned by its id (cut to fit the circle)
    assert "tb…" in frame.text  # accounts by id tail and email skeleton
    badge = frame.find_element(
        By.CSS_SELECTOR, tid("property-details-overview-node-label-Organisation")
    )
    assert badge.value_of_css_property("background-color") in (
        "rgb(139, 79, 184)",
        "rgba(139, 79, 184, 1)",
    ), "Organisation is not drawn in the style sheet's colour"
    connected.save_screenshot(str(SCREENSHOT))


def set_params(chrome: webdriver.Chrome, **values: str) -> None:
    for name, value in values.items():
        frame = run_in_editor(chrome, f":param {name} => {value}")
        wait_for_text(chrome, frame, f'"{name}"')  # set: the frame shows {"name": value}


@pytest.mark.neo4j
def test_library_queries_draw_graphs(browser_graph: Driver, connected: webdriver.Chrome) -> None:
    """The queries that answer "how is X connected to Y" return paths: Browser draws them."""
    rules = next(b for b in guide_blocks() if b.startswith(":param evidence_rules =>"))
    frame = run_in_editor(connected, rules)
    wait_for_text(connected, frame, '"max_group"')  # the frame shows the value that was set
    set_params(connected, account_a="'acc_testbrowser_0_0'", account_b="'acc_testbrowser_0_1'",
               account_id="'acc_testbrowser_0_2'", cluster_id=f"'{CLUSTER_IDS[0]}'",
               org_id=f"'{ORG_ID}'", limit="25", show_hubs="false")
    drawn = []
    for name in GRAPH_QUERIES:
        frame = run_in_editor(connected, query_body(name))
        wait_for_text(connected, frame, "Displaying")  # the graph view's status line
        assert "error" not in frame.text.casefold()[:200], frame.text[:500]
        drawn.append(name)
        connected.save_screenshot(str(SCREENSHOT.with_name(f"browser_test_{name}.png")))
    assert len(drawn) >= 4


def test_case_report_in_chromium(chrome: webdriver.Chrome, attributed_world: PipelinePaths,
                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    """A case report as a reader opens it: the conclusion first, every evidence row with its
    source file and row, an evidence graph with labels."""
    tables = CaseTables.from_paths(attributed_world)
    case = build_case(tables, parents(tables)[0])
    report = write_case(case, tmp_path_factory.mktemp("report"), pdf=False)[0]
    chrome.get(report.as_uri())
    conclusion = chrome.find_element(By.ID, "conclusion")
    for fact in ("Parent", "Accounts", "Exchanges", "Period", "Confidence", "Recommended action"):
        assert fact in conclusion.text
    assert case.parent.legal_name in conclusion.text
    evidence = chrome.find_element(By.ID, "evidence")
    assert conclusion.location["y"] < evidence.location["y"]
    sources = chrome.find_elements(By.CSS_SELECTOR, "tr.evidence-row td.source")
    assert len(sources) == len(case.evidence) > 0
    assert all(re.search(r"\.(csv|parquet) rows? \d+", cell.text) for cell in sources)
    labels = [t.text for t in chrome.find_elements(By.CSS_SELECTOR, "#evidence-graph svg text")]
    assert "Legend" in labels and "attributed parent" in labels
    assert any(case.parent.legal_name[:20] in label for label in labels)
    chrome.save_screenshot(str(SCREENSHOT.with_name("browser_test_case_report.png")))
