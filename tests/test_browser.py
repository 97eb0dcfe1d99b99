"""The HTML report's live parts (report/live.py, report/template/html_report/charrnn.js) in a real
headless Chromium, on both handouts' reports that the suite builds in the background
(tests/builds.py): the page computes what NumPy computes, samples by the course's rule, fetches
nothing, and answers bad input with a message. No particular text or number is asserted: only
agreement, reproducibility and behaviour."""
import json
import shutil
import time

import numpy as np
import pytest

import builds
import rnn_helpers as R
from report import live, runs
from report.build import report_name
from report.handouts import HANDOUTS

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
FILES = {"assignment": "best_model.npz", "better": "beyond_best.npz"}     # the page's networks, by name


def chromium():
    """(browser, driver) paths, or a failure that says how to install them: the tests are part of
    `make test` and are not skipped on a machine without a browser."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.fail("The browser tests need Chromium and chromedriver: `make system` installs them (as root), "
                    "or run `sudo apt-get install chromium chromium-driver`.")
    return browser, driver


@pytest.fixture(scope="module")
def driver():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements.txt: run make setup")
    from selenium.webdriver.chrome.service import Service
    browser, driver_path = chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS + ["--window-size=1200,1000"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    d = webdriver.Chrome(options=options, service=Service(driver_path))
    yield d
    d.quit()


class Page:
    """A built report's page, open in Chromium with the network switched off."""

    def __init__(self, driver, tmp, handout):
        self.driver, self.handout = driver, handout
        self.path = tmp / "report" / f"{report_name(handout)}.html"
        self.runs = tmp / "runs" / runs.run_dir(runs.setup().name, handout).name
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        driver.get_log("performance")                                   # forget what came before
        driver.get(self.path.as_uri())
        self.wait("return window.charRNN && Object.keys(window.charRNN.models).length === 2")
        self.log = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, condition, seconds=20):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.js(condition):
                return
            time.sleep(0.05)
        raise AssertionError(f"the page never satisfied: {condition}")

    def network(self, name):
        """(rnn in float64, h0 in float64, x0, char_to_ind) of the model file behind a network of the page."""
        corpus = runs.setup()
        rnn, h0, x0 = runs.load_best_model(self.runs / FILES[name], corpus)
        return {k: v.astype(np.float64) for k, v in rnn.items()}, h0.astype(np.float64), x0, corpus


@pytest.fixture(scope="module", params=list(HANDOUTS))
def report(request):
    """(folder, handout) of the report of this machine's corpus for a handout, built in the background
    (tests/builds.py; named `report` as in test_report.py, so that conftest.py starts the builds at
    collection, and both files read the same two builds)."""
    build = builds.result("report", request.param)
    assert build.done.returncode == 0, build.done.stdout + build.done.stderr
    return build.tmp, HANDOUTS[request.param]


@pytest.fixture(scope="module")
def page(report, driver):
    return Page(driver, *report)


def held_out_text(corpus, n=400):
    """n characters of the corpus from a line start near its end (every character in the vocabulary)."""
    start = corpus.text.rfind("\n", 0, len(corpus.text) - 2 * n) + 1
    return corpus.text[start:start + n]


def test_the_page_carries_both_networks_and_fetches_nothing(page):
    models = page.js("return charRNN.models")
    assert set(models) == set(FILES)
    for name in FILES:
        rnn, h0, x0, corpus = page.network(name)
        assert models[name]["K"] == corpus.K and models[name]["m"] == rnn["W"].shape[0]
        assert models[name]["vocabulary"] == [corpus.ind_to_char[i] for i in range(corpus.K)]
        assert models[name]["x0"] == corpus.ind_to_char[x0]
    sent = [e["params"]["request"]["url"] for e in page.log if e["method"] == "Network.requestWillBeSent"]
    assert sent and all(url == page.path.as_uri() or url.startswith("data:") for url in sent), sent
    failed = [e["params"] for e in page.log if e["method"] == "Network.loadingFailed"]
    assert not failed, failed
    assert "<script src" not in page.path.read_text(encoding="utf-8") and 'href="http' not in \
        page.path.read_text(encoding="utf-8").split("<body")[0]
    size = page.path.stat().st_size
    assert size < 6_000_000, f"the page is {size / 1e6:.1f} MB"
    print(f"\n{page.path.name}: {size / 1e6:.2f} MB")


@pytest.mark.parametrize("name", list(FILES))
def test_the_page_computes_numpys_probabilities(page, name):
    rnn, h0, _, corpus = page.network(name)
    text = held_out_text(corpus)
    theirs = np.array(page.js("return charRNN.probabilities(arguments[0], arguments[1])", name, text))
    H = R.hidden_states(rnn, R.encode(text, corpus.char_to_ind), h0)
    ours = R.softmax(H[1:] @ rnn["V"].T + rnn["c"])
    assert theirs.shape == ours.shape == (len(text), corpus.K)
    assert np.abs(theirs - ours).max() <= 1e-5
    states = np.array(page.js("return charRNN.hiddenStates(arguments[0], arguments[1])", name, text[:50]))
    assert np.abs(states - H[1:51]).max() <= 1e-5


@pytest.mark.parametrize("name", list(FILES))
@pytest.mark.parametrize("temperature, top_p", [(1.0, 1.0), (0.7, 1.0), (1.3, 0.9), (0.5, 0.5)])
def test_the_page_picks_as_synthesize_does_given_the_same_draws(page, name, temperature, top_p):
    rnn, h0, x0, corpus = page.network(name)
    prime, n, seed = held_out_text(corpus, 30), 300, 11
    draws = np.random.default_rng(seed).random(n)                   # what synthesize draws, in order
    theirs = page.js("return charRNN.sample(arguments[0], arguments[1], arguments[2])", name, prime,
                     {"temperature": temperature, "top_p": top_p, "length": n, "draws": draws.tolist()})
    x = R.encode(prime, corpus.char_to_ind)
    h = R.hidden_states(rnn, x[:-1], h0)[-1]                        # as notebook 8's continue_text reads it
    ours = R.decode(R.synthesize(rnn, h, int(x[-1]), n, np.random.default_rng(seed), temperature=temperature,
                                 top_p=top_p), corpus.ind_to_char)
    assert theirs == ours
    if name == "better" and temperature == 1.0:                     # an empty beginning starts from x0
        empty = page.js("return charRNN.sample('better', '', arguments[0])", {"length": n, "draws": draws.tolist()})
        assert empty == R.decode(R.synthesize(rnn, h0, x0, n, np.random.default_rng(seed)), corpus.ind_to_char)


def test_a_seed_reproduces_a_sample(page):
    one, two = (page.js("return charRNN.sample('better', 'The', {length: 200, seed: 7, temperature: 0.8})")
                for _ in range(2))
    assert one == two and len(one) == 200
    draws = page.js("return charRNN.uniforms(7, 1000)")
    assert all(0 <= a < 1 for a in draws) and len(set(draws)) == 1000


@pytest.mark.parametrize("options, message", [
    ({"temperature": 0}, "temperature must be a number greater than 0"),
    ({"temperature": -1}, "temperature must be a number greater than 0"),
    ({"top_p": 0}, "Top-p must be greater than 0"),
    ({"length": 100_000}, "length must be a whole number from 1 to 10,000"),
])
def test_bad_settings_get_a_clear_message(page, options, message):
    error = page.js("try { charRNN.sample('better', 'The', arguments[0]); return null } catch (e) { return e.message }",
                    options)
    assert error and message in error
    sampler = "document.querySelector('.charrnn-sampler')"
    for field, value in options.items():
        page.js(f"{sampler}.querySelector('[name={field}]').value = arguments[0]", str(value))
    page.js(f"{sampler}.querySelector('button').click()")
    status = page.js(f"const s = {sampler}.querySelector('.charrnn-status'); return [s.textContent, s.className]")
    assert message in status[0] and "charrnn-error" in status[1]
    page.js(f"{sampler}.querySelector('form').reset()")


def test_the_sampler_writes_and_names_what_it_cannot_read(page):
    sampler = "document.querySelector('.charrnn-sampler')"
    model = page.network("better")[3]
    outside = next(c for c in "\u00e9\u00fc\u0416\u4e2d\u263a" if c not in model.char_to_ind)
    page.js(f"{sampler}.querySelector('[name=prime]').value = arguments[0]", "Tho" + outside + "u")
    page.js(f"{sampler}.querySelector('button').click()")
    status = page.js(f"return {sampler}.querySelector('.charrnn-status').textContent")
    assert "Not in the vocabulary" in status and outside in status
    page.js(f"{sampler}.querySelector('[name=prime]').value = ''")
    page.js(f"{sampler}.querySelector('[name=length]').value = '300'")
    page.js(f"{sampler}.querySelector('button').click()")
    status = page.js(f"return {sampler}.querySelector('.charrnn-status').textContent")
    assert "beginning is empty" in status and "300 characters in" in status
    assert len(page.js(f"return {sampler}.querySelector('.charrnn-output').textContent")) == 300


def test_shaded_text_has_tooltips_for_mouse_keyboard_and_touch(page):
    from selenium.webdriver.common.keys import Keys
    box = page.driver.find_element("css selector", ".charrnn-shader .charrnn-shaded")
    spans = box.find_elements("css selector", "span")
    assert len(spans) == runs.notebook_parameters("11_what_it_learned.ipynb")["SHOWN"]
    box.send_keys(Keys.ARROW_RIGHT)                          # focus, then move: the keyboard reaches it
    tip = page.driver.find_element("css selector", ".charrnn-shader .charrnn-tip")
    assert tip.is_displayed() and "bits; most likely:" in tip.text
    spans[5].click()                                         # a tap (a click) reaches it too
    assert tip.is_displayed() and "bits; most likely:" in tip.text
    assert "Character 6" in page.js("return document.querySelector('.charrnn-shader .charrnn-detail').textContent")


def test_a_unit_shades_the_same_text(page):
    shader = "document.querySelector('.charrnn-shader')"
    options = page.js(f"return Array.from({shader}.querySelectorAll('[name=mode] option'), o => o.value)")
    units = [o for o in options if o.startswith("unit ")]
    assert units, options                                    # the units section 6 found are offered
    page.js(f"const s = {shader}.querySelector('[name=mode]'); s.value = arguments[0]; "
            "s.dispatchEvent(new Event('change'))", units[0])
    page.js(f"{shader}.querySelector('.charrnn-shaded span').click()")
    tip = page.js(f"return {shader}.querySelector('.charrnn-tip').textContent")
    assert tip.startswith(f"unit {units[0][5:]}:")
    text = page.js(f"return {shader}.querySelector('textarea').value")
    h = np.array(page.js("return charRNN.hiddenStates('better', arguments[0])", text))[:, int(units[0][5:])]
    colors = page.js(f"return Array.from({shader}.querySelectorAll('.charrnn-shaded span'), s => s.style.background)")
    assert len(colors) == len(h) and all(c.startswith("rgb(") for c in colors)
    red = [c for c, v in zip(colors, h) if v > 0.5]
    assert all(c.startswith("rgb(255,") for c in red)        # positive activations are red
    page.js(f"const s = {shader}.querySelector('[name=mode]'); s.value = 'surprisal'; s.dispatchEvent(new Event('change'))")


def test_a_megabyte_of_text_is_shaded_in_a_bounded_window(page):
    shader = "document.querySelector('.charrnn-shader')"
    corpus = page.network("better")[3]
    text = (corpus.text * (1 + 2 ** 20 // len(corpus.text)))[:2 ** 20]
    start = time.monotonic()
    page.js(f"const t = {shader}.querySelector('textarea'); t.value = arguments[0]; t.dispatchEvent(new Event('input'))", text)
    page.wait(f"return {shader}.querySelectorAll('.charrnn-shaded span').length === charRNN.limits.shade")
    assert time.monotonic() - start < 10
    status = page.js(f"return {shader}.querySelector('.charrnn-status').textContent")
    assert "Shading the first 5,000 of 1,048,576 characters" in status


def test_sampling_and_shading_take_well_under_a_second(page):
    times = page.js("""
        const t0 = performance.now();
        charRNN.sample('better', 'The ', {length: 1000, seed: 1});
        const t1 = performance.now();
        const shader = document.querySelector('.charrnn-shader');
        const box = shader.querySelector('textarea');
        box.value = arguments[0];
        shader.querySelector('[name=mode]').dispatchEvent(new Event('change'));   // shades at once
        const t2 = performance.now();
        return [t1 - t0, t2 - t1, shader.querySelectorAll('.charrnn-shaded span').length];""",
                    held_out_text(page.network("better")[3], 2000))
    print(f"\n{page.handout.key}: 1,000 characters sampled in {times[0]:.0f} ms, 2,000 shaded in {times[1]:.0f} ms")
    assert times[2] == 2000
    assert times[0] < 1000 and times[1] < 1000


def test_the_live_parts_keep_a_fallback_and_the_pdf_says_the_html_is_live(page):
    html = page.path.read_text(encoding="utf-8")
    assert html.count('class="charrnn charrnn-sampler"') == 1 and "<noscript>" in html
    assert html.count("charrnn-networks") >= 1 and live.SAMPLER not in html
