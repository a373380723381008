"""End to end in Debian's chromium: the editor's day, a review, and a conflict between two editors."""

import importlib
import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission

from claims import vocab
from claims.models import Actor, Claim, Source

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(os.environ.get("TRACKER_VAR_DIR", "var/test")) / "artifacts"
ARTICLE = "https://news.example.org/2023/09/shells"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the test
    # makes there are still plain synchronous calls (the documented Django + Playwright setting).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it; browser tests never skip in CI")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--headless", "--no-sandbox", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def roles(transactional_db, settings):
    """Roles again: a transactional test empties the tables the data migration filled."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    for name, codenames in importlib.import_module("claims.migrations.0002_roles").ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
        )


class Session:
    """One signed-in browser tab that records every console error and CSP violation it meets."""

    def __init__(self, browser, base: str, username: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.base = base
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "correct horse battery staple")
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(f"{base}/")

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def workflow(page, action: str, reason: str, *, confirm_sources: bool = False) -> None:
    page.locator("summary", has_text=action).click()
    form = page.locator("details[open] form")
    form.locator("textarea[name=reason]").fill(reason)
    if confirm_sources:
        form.get_by_label("I have read these sources myself and publish anyway").check()
    form.get_by_role("button", name="Confirm").click()


def test_editor_logs_a_claim_meets_an_error_fixes_it_and_a_reviewer_publishes(
    browser, live_server, editor, reviewer, actors
):
    eddie = Session(browser, live_server.url, "eddie")
    page = eddie.go("/claims/new/")
    page.fill("#id_statement", "North Korea shipped artillery shells to Russia by rail.")
    page.fill("#id_supplier", "North Korea")
    page.fill("#id_recipient", "Russia")
    page.select_option("#id_item_category", "ammunition")
    page.select_option("#id_stage", "shipment")
    page.select_option("#id_hops-0-anonymity", "anonymous_individual")  # but no descriptor yet
    page.get_by_role("button", name="+ Add a hop").click()
    page.fill("#id_hops-1-speaker", "An Italian daily")
    page.select_option("#id_hops-1-anonymity", "outlet_voice")
    page.fill("#id_hops-1-source_url", ARTICLE)
    page.fill("#id_hops-1-quote", "Pyongyang ha spedito proiettili.")
    page.fill("#id_hops-1-quote_language", "it")
    page.get_by_role("button", name="+ Add a hop").click()  # one too many: removed again
    page.locator("[data-rows=hops] [data-row]").nth(2).get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="+ Add a route stop").click()
    page.select_option("#id_route-0-role", "transit")
    page.fill("#id_route-0-region", "Middle East")
    page.get_by_role("button", name="Save").click()

    error = page.locator(".has-error", has=page.locator("#id_hops-0-descriptor"))
    assert "An unnamed source needs the words used" in error.inner_text()
    assert page.locator("#error-summary").is_visible()
    eddie.shot("validation-error")
    assert Claim.objects.count() == 0

    page.fill("#id_hops-0-descriptor", "a US official")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/claims/*/")
    claim = Claim.objects.get()
    assert [hop.position for hop in claim.hops.all()] == [0, 1]
    assert claim.route.get().region == "Middle East"
    assert page.locator(".chain .hop").count() == 2
    workflow(page, "Submit for review", "Two hops, ready for review.")
    assert "In review" in page.locator(".eyebrow").inner_text()

    rita = Session(browser, live_server.url, "rita")
    page = rita.go(f"/claims/{claim.uuid}/")
    page.locator("summary", has_text="Add an assessment").click()
    page.select_option("#id_reliability", "B")
    page.select_option("#id_credibility", "3")
    page.select_option("#id_likelihood", "likely")
    page.fill("#id_rationale", "Official source, relayed by a daily.")
    page.get_by_role("button", name="Record assessment").click()
    assert "B3 — usually reliable source" in page.locator(".assessment-words").inner_text()
    page.locator("summary", has_text="Publish").click()
    assert ARTICLE in page.locator(".unverified-sources").inner_text()  # the worker never captured it
    rita.shot("publish-unverified-source")
    page.locator("summary", has_text="Publish").click()
    workflow(page, "Publish", "Checked against the article.", confirm_sources=True)
    assert "Published" in page.locator(".eyebrow").inner_text()
    rita.shot("claim-published")

    page = rita.go("/claims/?status=published")
    assert page.get_by_role("link", name="North Korea shipped artillery shells").is_visible()
    page = rita.go("/claims/?q=rail+shells")
    assert page.get_by_role("link", name="North Korea shipped artillery shells").is_visible()
    page = rita.go("/")
    rita.shot("dashboard")
    claim.refresh_from_db()
    assert claim.status == vocab.Status.PUBLISHED
    assert eddie.problems == [] and rita.problems == []


def test_a_stale_copy_gets_the_conflict_and_overwrites_nothing(browser, live_server, make_claim):
    claim = make_claim(statement="Original statement.")
    editor = Session(browser, live_server.url, "eddie")
    reviewer = Session(browser, live_server.url, "rita")
    mine = editor.go(f"/claims/{claim.uuid}/edit/")
    theirs = reviewer.go(f"/claims/{claim.uuid}/edit/")

    theirs.fill("#id_statement", "The reviewer's wording.")
    theirs.get_by_role("button", name="Save").click()
    theirs.wait_for_url(f"{live_server.url}/claims/{claim.uuid}/")

    mine.fill("#id_statement", "The editor's late wording.")
    mine.get_by_role("button", name="Save").click()
    conflict = mine.locator(".conflict")
    assert "Someone else saved this claim meanwhile: version 2 by rita" in conflict.inner_text()
    assert "Statement: The reviewer's wording." in conflict.inner_text()
    assert "Statement: The editor's late wording." in conflict.inner_text()
    editor.shot("conflict")
    claim.refresh_from_db()
    assert claim.statement == "The reviewer's wording." and claim.version == 2

    mine.get_by_role(
        "button", name="Save mine over version 2"
    ).click()  # a deliberate choice, after seeing theirs
    mine.wait_for_url(f"{live_server.url}/claims/{claim.uuid}/")
    claim.refresh_from_db()
    assert claim.statement == "The editor's late wording." and claim.version == 3
    assert editor.problems == [] and reviewer.problems == []


def test_the_api_docs_list_the_operations_without_inline_script(browser, live_server):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".opblock-summary-path", has_text="/api/v1/claims/").first.wait_for(timeout=10_000)
    assert page.locator(".opblock").count() > 10
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "api-docs.png")
    assert problems == []


def test_the_check_strip_stays_a_strip_with_one_check(browser, live_server, make_claim):
    from claims.models import SourceCheck

    source = make_claim().hops.get().source
    SourceCheck.objects.create(source=source, outcome=vocab.CheckOutcome.OK, http_status=200)
    eddie = Session(browser, live_server.url, "eddie")
    eddie.page.set_viewport_size({"width": 1366, "height": 900})
    page = eddie.go(f"/sources/{source.pk}/")
    box = page.locator("svg.strip").bounding_box()
    assert box["height"] <= 40, box
    eddie.shot("source-one-check")
    assert eddie.problems == []


def test_adding_a_hop_or_a_route_stop_moves_focus_to_its_first_field(browser, live_server, editor):
    eddie = Session(browser, live_server.url, "eddie")
    page = eddie.go("/claims/new/")
    page.get_by_role("button", name="+ Add a hop").click()
    assert page.evaluate("document.activeElement.id") == "id_hops-1-speaker"
    page.get_by_role("button", name="+ Add a route stop").click()
    assert page.evaluate("document.activeElement.id") == "id_route-0-role"
    assert eddie.problems == []


def test_a_skip_link_leads_to_the_results_and_date_filters_take_no_tab_stops(
    browser, live_server, editor, make_claim
):
    make_claim(statement="The first result.")
    eddie = Session(browser, live_server.url, "eddie")
    page = eddie.go("/claims/")
    first_result = page.get_by_role("link", name="The first result.")
    focused = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if first_result.evaluate("link => link === document.activeElement"):
            break
        focused.append(page.evaluate("document.activeElement.type || document.activeElement.tagName"))
    assert "date" not in focused and "datetime-local" not in focused
    assert len(focused) < 30, focused

    page = eddie.go("/claims/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to results"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert first_result.evaluate("link => link === document.activeElement")
    page.get_by_text("Dates").click()
    page.fill("#id_event_after", "2023-09-01")
    page.get_by_role("button", name="Apply").click()
    assert page.locator("details.date-filters").get_attribute("open") is not None  # a date in use shows
    assert eddie.problems == []


def test_no_page_scrolls_sideways_at_390_px(browser, live_server, make_claim):
    from django.core.management import call_command

    call_command("load_demo")
    demo = Claim.objects.filter(status=vocab.Status.PUBLISHED).order_by("id").first()
    untitled_source = make_claim()  # its source table shows the bare URL
    eddie = Session(browser, live_server.url, "eddie")
    eddie.page.set_viewport_size({"width": 390, "height": 844})
    for name, path in [
        ("dashboard", "/"),
        ("claims", "/claims/"),
        ("claim", f"/claims/{demo.uuid}/"),
        ("claim-untitled-source", f"/claims/{untitled_source.uuid}/"),
        ("diff", f"/claims/{demo.uuid}/diff/"),
        ("sources", "/sources/"),
        ("source", f"/sources/{Source.objects.order_by('id').first().pk}/"),
        ("actor", f"/actors/{Actor.objects.get(name='White House').pk}/"),
    ]:
        page = eddie.go(path)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        eddie.shot(f"{name}-390")
        assert width[0] <= width[1], (path, width)
    assert eddie.problems == []


def test_on_a_phone_the_filters_fold_and_the_results_come_first(browser, live_server, make_claim):
    make_claim(statement="The first result.")
    eddie = Session(browser, live_server.url, "eddie")
    eddie.page.set_viewport_size({"width": 390, "height": 844})
    page = eddie.go("/claims/")
    assert page.locator("details.more-filters").get_attribute("open") is None
    assert page.get_by_role("link", name="The first result.").bounding_box()["y"] < 844
    page.locator("details.more-filters > summary").click()
    assert page.locator("#id_stage").is_visible()
    eddie.page.set_viewport_size({"width": 1366, "height": 900})
    page = eddie.go("/claims/")
    assert page.locator("details.more-filters").get_attribute("open") is not None
    assert eddie.problems == []


def test_the_dashboard_pictures_keep_a_legible_size_on_a_phone(browser, live_server, editor):
    from django.core.management import call_command

    call_command("load_demo")
    eddie = Session(browser, live_server.url, "eddie")
    eddie.page.set_viewport_size({"width": 390, "height": 844})
    page = eddie.go("/")
    label = page.locator("svg.chart.timeline text.label").first
    assert label.evaluate("node => node.getBoundingClientRect().height") >= 8  # px on screen
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    eddie.shot("dashboard-390")
    assert eddie.problems == []


def test_a_published_claims_page_carries_claim_review_data_within_the_csp(
    browser, live_server, viewer, make_claim
):
    claim = make_claim(vocab.Status.PUBLISHED)
    vera = Session(browser, live_server.url, "vera")
    page = vera.go(f"/claims/{claim.uuid}/")
    data = page.locator('script[type="application/ld+json"]')
    assert data.count() == 1 and '"ClaimReview"' in data.text_content()
    # A JSON-LD block is data, not script: the policy's script-src 'self' has nothing to refuse.
    assert "script-src 'self'" in page.request.get(page.url).headers["content-security-policy"]
    assert vera.problems == []


AXE = Path(__file__).resolve().parents[1] / "var/node/node_modules/axe-core/axe.min.js"
# Only the violations that block or seriously hinder someone; the list names each one's elements.
AXE_RUN = """async () => {
  const { violations } = await axe.run(document, { resultTypes: ["violations"] });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}"""


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing: make test installs it with npm; it never skips in CI")
        pytest.skip("axe-core is not installed: make test installs it with npm")
    return AXE.read_text()


def axe_violations(page, axe_source: str) -> list[str]:
    # Evaluated through the DevTools protocol rather than added as a <script>: the pages' own
    # script-src 'self' would refuse an inline script, and a context with bypass_csp would test
    # the pages under a policy they are never served with.
    page.evaluate(axe_source)
    return page.evaluate(AXE_RUN)


def switch_language(page, code: str) -> None:
    page.select_option("#language", code)  # data-autosubmit posts it to /i18n/setlang/
    page.wait_for_function(f"document.documentElement.lang === '{code}'")


def test_no_page_has_a_serious_or_critical_accessibility_violation_in_english_or_italian(
    browser, live_server, editor, viewer, axe_source
):
    from django.core.management import call_command

    call_command("load_demo")
    demo = Claim.objects.filter(status=vocab.Status.PUBLISHED).order_by("id").first()
    source = Source.objects.order_by("id").first()
    eddie = Session(browser, live_server.url, "eddie")
    vera = Session(browser, live_server.url, "vera")
    anonymous = browser.new_page()
    found = {}
    for language in ("en", "it"):
        if language != "en":
            for page in (eddie.page, vera.page, anonymous):
                switch_language(page, language)
        for name, path in [
            ("dashboard", "/"),
            ("claims", "/claims/"),
            ("claim", f"/claims/{demo.uuid}/"),
            ("claim-form", "/claims/new/"),
            ("diff", f"/claims/{demo.uuid}/diff/"),
            ("sources", "/sources/"),
            ("source", f"/sources/{source.pk}/"),
            ("actor", f"/actors/{Actor.objects.get(name='White House').pk}/"),
        ]:
            found[name, language] = axe_violations(eddie.go(path), axe_source)
        forbidden = vera.go("/claims/new/")
        assert forbidden.locator("h1").count() == 1  # the 403 page itself, not a redirect
        found["403", language] = axe_violations(forbidden, axe_source)
        anonymous.goto(f"{live_server.url}/accounts/login/")
        found["login", language] = axe_violations(anonymous, axe_source)
    assert {page: violations for page, violations in found.items() if violations} == {}
    assert eddie.problems == []  # vera's 403 is a console error by design


def tab_to(page, target, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the target has the focus: it must be reachable by keyboard."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if target.count() == 1 and target.evaluate("node => node === document.activeElement"):
            return
    pytest.fail(f"{target} never got the focus in {limit} presses of Tab")


def test_an_editor_logs_in_writes_a_claim_with_two_hops_and_submits_it_with_the_keyboard_only(
    browser, live_server, editor, actors
):
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    keys = page.keyboard
    tab_to(page, page.locator("#id_username"))
    keys.type("eddie")
    keys.press("Tab")
    keys.type("correct horse battery staple")
    keys.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    tab_to(page, page.get_by_role("navigation").get_by_role("link", name="New claim"))
    keys.press("Enter")
    page.wait_for_url(f"{live_server.url}/claims/new/")
    for field, typed in [
        ("#id_statement", "North Korea shipped artillery shells to Russia by rail."),
        ("#id_supplier", "North Korea"),
        ("#id_recipient", "Russia"),
        ("#id_item_category", "Ammunition"),  # typing a choice's words picks it in a select
        ("#id_stage", "Shipment"),
        ("#id_hops-0-speaker", "John Kirby"),
        ("#id_hops-0-anonymity", "Named, on the record"),
    ]:
        tab_to(page, page.locator(field))
        keys.type(typed)
    tab_to(page, page.get_by_role("button", name="+ Add a hop"))
    keys.press("Space")
    assert page.evaluate("document.activeElement.id") == "id_hops-1-speaker"
    keys.type("An Italian daily")
    tab_to(page, page.locator("#id_hops-1-source_url"))
    keys.type(ARTICLE)
    # Back to a field passed by: Shift+Tab reaches it as well.
    tab_to(page, page.locator("#id_hops-1-anonymity"), backwards=True)
    keys.type("Outlet's own voice")
    tab_to(page, page.get_by_role("button", name="Save"))
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/claims/[0-9a-f-]{36}/$"))

    claim = Claim.objects.get()
    hops = claim.hops.order_by("position")
    assert [(hop.speaker.name, hop.anonymity) for hop in hops] == [
        ("John Kirby", vocab.Anonymity.NAMED_ON_RECORD),
        ("An Italian daily", vocab.Anonymity.OUTLET_VOICE),
    ]
    assert (claim.item_category, claim.stage) == (vocab.ItemCategory.AMMUNITION, vocab.Stage.SHIPMENT)
    tab_to(page, page.locator("summary", has_text="Submit for review"))
    keys.press("Enter")
    tab_to(page, page.locator("details[open] textarea[name=reason]"))
    keys.type("Two hops, ready for review.")
    tab_to(page, page.locator("details[open]").get_by_role("button", name="Confirm"))
    with page.expect_navigation():  # the POST's answer, not the page it was sent from
        keys.press("Enter")
    assert "In review" in page.locator(".eyebrow").inner_text()
    claim.refresh_from_db()
    assert claim.status == vocab.Status.IN_REVIEW
    assert problems == []


def test_the_review_due_panel_the_actor_page_and_the_suggestion_fit_a_desktop_and_a_phone(
    browser, live_server, reviewer
):
    from django.core.management import call_command

    call_command("load_demo")
    white_house = Actor.objects.get(name="White House")
    in_review = Claim.objects.get(statement__startswith="Russia is negotiating to obtain anti-tank")
    rita = Session(browser, live_server.url, "rita")
    for width in (1366, 390):
        rita.page.set_viewport_size({"width": width, "height": 900})
        page = rita.go("/")
        panel = page.locator("section", has=page.locator("#review-due-h"))
        kim = "Kim Jong Un intends to travel to Russia this month."
        assert panel.get_by_role("link", name=kim).is_visible()
        page = rita.go(f"/actors/{white_house.pk}/")
        assert page.locator("table.track-record").is_visible()
        page = rita.go(f"/claims/{in_review.uuid}/")
        page.locator("summary", has_text="Add an assessment").click()
        assert page.get_by_text("White House's track record suggests F").is_visible()
        assert page.locator("#id_reliability").input_value() == ""
        for path in ("/", f"/actors/{white_house.pk}/", f"/claims/{in_review.uuid}/"):
            page = rita.go(path)
            scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll[0] <= scroll[1], (path, width, scroll)
        rita.shot(f"review-due-claim-{width}")
    assert rita.problems == []


def pick(page, field: str, typed: str, option: str) -> None:
    """Type into an actor picker, wait for the option, choose it with the arrow keys and Enter."""
    page.locator(field).focus()
    page.keyboard.type(typed)
    listbox = page.locator(f"#{page.locator(field).get_attribute('aria-controls')}")
    listbox.get_by_role("option", name=option).first.wait_for()
    assert page.locator(field).get_attribute("aria-expanded") == "true"
    for _ in range(listbox.get_by_role("option").count()):
        page.keyboard.press("ArrowDown")
        active = page.locator(field).get_attribute("aria-activedescendant")
        if page.locator(f"#{active}").inner_text().startswith(option):
            break
    page.keyboard.press("Enter")
    assert page.locator(field).get_attribute("aria-expanded") == "false"


def test_participants_are_picked_as_tokens_removed_by_keyboard_and_saved(
    browser, live_server, editor, actors
):
    eddie = Session(browser, live_server.url, "eddie")
    page = eddie.go("/claims/new/")
    page.fill("#id_statement", "Russia and North Korea agreed to cooperate on artillery.")
    page.select_option("#id_kind", "military_cooperation")
    page.locator("#id_participants").focus()
    page.keyboard.type("nor")
    page.get_by_role("option", name="North Korea").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    tokens = page.locator("#id_participants_tokens")
    assert tokens.locator("li span").all_inner_texts() == ["North Korea"]
    assert page.locator("#id_participants").input_value() == ""
    pick(page, "#id_participants", "wash", "United States")  # found by its alias
    pick(page, "#id_participants", "rus", "Russia")
    # A token goes with the keyboard: Backspace in the empty field reaches the last one, Enter removes it.
    page.keyboard.press("Backspace")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Remove Russia"
    page.keyboard.press("Enter")
    assert tokens.locator("li span").all_inner_texts() == [
        "North Korea",
        "United States",
    ]
    pick(page, "#id_participants", "RUS", "Russia")
    # An actor not there yet: created beside the picker, without leaving the form.
    page.locator("#id_participants").focus()
    page.keyboard.type("Wagner")
    page.locator("a[data-create-actor-for=id_participants]").click()
    dialog = page.locator("dialog#create-actor")
    assert dialog.is_visible() and page.locator("#actor-name").input_value() == "Wagner"
    page.select_option("#actor-kind", "non_state_armed_group")
    dialog.get_by_role("button", name="Create actor").click()
    tokens.locator("li", has_text="Wagner").wait_for()
    assert not dialog.is_visible()
    pick(page, "#id_hops-0-speaker", "kirb", "John Kirby")
    assert page.locator("#id_hops-0-speaker").input_value() == "John Kirby"
    page.select_option("#id_hops-0-anonymity", "named_on_record")
    page.fill("#id_hops-0-source_url", ARTICLE)
    eddie.page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    eddie.shot("participants-tokens-390")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/claims/[0-9a-f-]{36}/$"))
    claim = Claim.objects.get()
    assert sorted(claim.participants.values_list("name", flat=True)) == [
        "North Korea",
        "Russia",
        "United States",
        "Wagner",
    ]
    assert claim.hops.get().speaker.name == "John Kirby"
    assert eddie.problems == []


def test_a_participant_is_picked_and_saved_with_the_keyboard_only(browser, live_server, editor, actors):
    eddie = Session(browser, live_server.url, "eddie")
    page = eddie.go("/claims/new/")
    keys = page.keyboard
    tab_to(page, page.locator("#id_statement"))
    keys.type("China and Russia held talks.")
    tab_to(page, page.locator("#id_kind"))
    keys.type("Diplomatic event")
    tab_to(page, page.locator("#id_participants"))
    keys.type("chi")
    page.get_by_role("option", name="China").wait_for()
    keys.press("ArrowDown")
    keys.press("Enter")  # chooses; does not submit the form
    keys.type("russ")
    page.get_by_role("option", name="Russia").wait_for()
    keys.press("ArrowDown")
    keys.press("Escape")  # closes the list, keeps what was typed
    assert page.locator("#id_participants").get_attribute("aria-expanded") == "false"
    keys.press("ArrowDown")
    keys.press("Enter")
    tab_to(page, page.locator("#id_hops-0-descriptor"))
    keys.type("a Chinese diplomat")
    tab_to(page, page.locator("#id_hops-0-anonymity"))
    keys.type("Anonymous individual")
    tab_to(page, page.locator("#id_hops-0-source_url"))
    keys.type(ARTICLE)
    tab_to(page, page.get_by_role("button", name="Save"))
    with page.expect_navigation():  # the POST's answer, not the page it was sent from
        keys.press("Enter")
    eddie.shot("participants-keyboard")
    assert page.locator(".field-errors, .errors").all_inner_texts() == []
    page.wait_for_url(re.compile(r"/claims/[0-9a-f-]{36}/$"))
    assert sorted(Claim.objects.get().participants.values_list("name", flat=True)) == ["China", "Russia"]
    assert eddie.problems == []


def test_the_list_filters_pick_actors_and_countries_by_name(browser, live_server, editor, actors, make_claim):
    make_claim(statement="Shells for Russia.")
    make_claim(statement="Shells for China.", recipient_id=actors["CN"].pk)
    eddie = Session(browser, live_server.url, "eddie")
    page = eddie.go("/claims/")
    pick(page, "#id_recipient", "chin", "China")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"recipient=\d+"))
    assert page.locator("#id_recipient").input_value() == "China"  # shown by name, sent as its id
    assert page.locator("table.claims tbody tr").all_inner_texts()[0].startswith("Shells for China.")
    assert page.locator("table.claims tbody tr").count() == 1
    page.locator("#id_recipient").fill("")
    pick(page, "#id_involving", "russian fed", "RU · Russian Federation")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"involving=RU"))
    assert page.locator("#id_involving").input_value() == "RU · Russian Federation"
    assert page.locator("table.claims tbody tr").all_inner_texts()[0].startswith("Shells for Russia.")
    assert page.locator("table.claims tbody tr").count() == 1
    assert eddie.problems == []


def test_open_pickers_and_tokens_have_no_serious_accessibility_violation(
    browser, live_server, editor, actors, make_claim, axe_source
):
    make_claim(participant_ids=[actors["KP"].pk])
    eddie = Session(browser, live_server.url, "eddie")
    page = eddie.go("/claims/new/")
    pick(page, "#id_participants", "nor", "North Korea")
    page.keyboard.type("rus")
    page.get_by_role("option", name="Russia").wait_for()
    page.keyboard.press("ArrowDown")
    assert axe_violations(page, axe_source) == []  # a token, and the list open with an active option
    page = eddie.go("/claims/")
    page.locator("#id_said_by").focus()
    page.keyboard.type("kir")
    page.get_by_role("option", name="John Kirby").wait_for()
    assert axe_violations(page, axe_source) == []


def test_the_claim_form_suggests_claims_that_may_say_the_same_as_the_editor_types(
    browser, live_server, editor, make_claim
):
    published = make_claim(vocab.Status.PUBLISHED)
    eddie = Session(browser, live_server.url, "eddie")
    for width in (1366, 390):
        eddie.page.set_viewport_size({"width": width, "height": 900})
        page = eddie.go("/claims/new/")
        page.fill("#id_statement", "North Korea shipped munitions to Russia")
        panel = page.locator("[data-match-panel]")
        panel.get_by_role("link", name=published.statement).wait_for()
        page.fill("#id_hops-0-source_url", published.hops.get().source.url)
        panel.get_by_text("is already cited by 1 claim").wait_for()
        eddie.shot(f"claim-form-matches-{width}")
        scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1], (width, scroll)
    assert eddie.problems == []


def test_an_editor_suggests_an_edit_and_a_reviewer_approves_it_at_desktop_and_phone_widths(
    browser, live_server, make_claim
):
    claim = make_claim(vocab.Status.PUBLISHED)
    eddie = Session(browser, live_server.url, "eddie")
    page = eddie.go(f"/claims/{claim.uuid}/")
    page.get_by_role("link", name="Suggest an edit").click()
    assert "Your edit will be sent to a reviewer." in page.locator("main").inner_text()
    page.fill("#id_statement", "North Korea has shipped artillery shells to Russia.")
    page.get_by_role("button", name="Send to a reviewer").click()
    page.wait_for_url(f"{live_server.url}/claims/{claim.uuid}/revisions/*/")
    assert page.locator("ins", has_text="artillery shells").count() == 1
    eddie.shot("suggestion-editor-1366")
    claim.refresh_from_db()
    assert claim.statement == "North Korea has shipped munitions to Russia."

    rita = Session(browser, live_server.url, "rita")
    revision_path = page.url.removeprefix(live_server.url)
    for width in (1366, 390):
        for session in (eddie, rita):
            session.page.set_viewport_size({"width": width, "height": 900})
        for name, session, path in [
            ("dashboard", rita, "/"),
            ("claim", rita, f"/claims/{claim.uuid}/"),
            ("review", rita, revision_path),
            ("suggest-form", eddie, f"/claims/{claim.uuid}/edit/"),
        ]:
            scroll = session.go(path).evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            session.shot(f"suggestion-{name}-{width}")
            assert scroll[0] <= scroll[1], (path, width, scroll)
    page = rita.go(f"/claims/{claim.uuid}/")
    page.get_by_role("link", name=re.compile("by eddie")).click()
    page.locator("summary", has_text="Approve").click()
    page.locator("details[open] form").get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{live_server.url}/claims/{claim.uuid}/")
    assert "artillery shells" in page.locator("h1").inner_text()
    assert eddie.problems == [] and rita.problems == []
