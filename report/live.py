"""The HTML report's live parts: the two networks travel with the page, and a few hundred lines of
plain JavaScript (report/template/html_report/charrnn.js) sample from them and shade text by what
they see, in the reader's browser, with nothing fetched.

The notebooks emit the data themselves, as display outputs of their own MIME types beside the
output that Jupyter and the PDF show:

- notebook 8's sampler (section 5.6) displays `sampler(...)`: SAMPLER, the sampler's settings and
  both networks (section 2's best_model.npz and section 5.5's beyond_best.npz: U, W, V, b, c in
  their own dtype, little-endian, base64; the vocabulary as code points; h0 and x0 of the best
  update), with the fixed example as Markdown;
- notebook 11 (sections 6.3 and 6.4) displays `shader(...)`: SHADER, a text and how to shade it
  (surprisal, or one hidden unit), with the shaded passage of render.shaded.

The HTML export (report/build.py's export_html) prefers these types and writes them with `html`
below: the live controls, and the output Jupyter shows inside <noscript>, so that a page read
without JavaScript is the photograph it was. Jupyter and the PDF never see them."""
import base64
import html
import json

import numpy as np

SAMPLER = "application/vnd.charrnn.sampler+json"
SHADER = "application/vnd.charrnn.shader+json"
TYPES = (SAMPLER, SHADER)
# The browser's speed, measured by tests/test_browser.py (test_sampling_and_shading_take_well_under_a_second)
MEASURED = ("Measured in headless Chromium 156 on this project's machine (2 CPU cores, with a report build "
            "running beside it), 6 December 2026, on Shakespeare: 1,000 characters sampled from the better model "
            "in 129 ms, 2,000 characters shaded in 231 ms. The page says how long each of yours took.")
MAX_EMBEDDED_BYTES = 8_000_000      # the models' base64 on the page; above it (K in the thousands), no live parts
ARRAYS = ("U", "W", "V", "b", "c", "h0")


def network(title, rnn, h0, x0, ind_to_char):
    """One network as the page carries it: title, K, m, the vocabulary (code points, in index order),
    x0 (an index) and the arrays U (m, K), W (m, m), V (K, m), b (m,), c (K,) and h0 (m,), each as
    {"dtype", "shape", "base64"}: float32 stays float32 (4 bytes a weight), anything else goes as
    float64, little-endian."""
    arrays = dict(rnn, h0=np.asarray(h0))
    encoded = {}
    for name in ARRAYS:
        a = np.asarray(arrays[name])
        a = a.astype("<f4" if a.dtype == np.float32 else "<f8")
        encoded[name] = {"dtype": "float32" if a.dtype.itemsize == 4 else "float64", "shape": list(a.shape),
                         "base64": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")}
    m, K = np.shape(rnn["U"])
    return {"title": title, "K": int(K), "m": int(m), "chars": [ord(ind_to_char[i]) for i in range(K)],
            "x0": int(x0), "arrays": encoded}


def embedded_size(networks):
    return sum(len(a["base64"]) for n in networks.values() for a in n["arrays"].values())


def sampler(networks, fallback_markdown, prime, temperature, top_p, length, seed, model):
    """The display bundle of section 5.6: in the HTML page a live sampler of `networks` ({name:
    network(...)}; `model` the one chosen first) with these first settings, elsewhere the fixed example
    (fallback_markdown). Networks too large for a page (MAX_EMBEDDED_BYTES) are left out, and the page
    says so."""
    size = embedded_size(networks)
    data = {"prime": prime, "temperature": temperature, "top_p": top_p, "length": length, "seed": seed,
            "model": model, "networks": networks if size <= MAX_EMBEDDED_BYTES else {},
            "left_out": None if size <= MAX_EMBEDDED_BYTES else
            f"the networks would take {size / 1e6:.0f} MB on the page (K = {next(iter(networks.values()))['K']:,})"}
    return {SAMPLER: data, "text/markdown": fallback_markdown, "text/plain": fallback_markdown}


def shader(fallback, text, model, mode, units=(), scale_bits=10):
    """The display bundle of a passage shaded in section 6: in the HTML page a live box holding `text`,
    shaded by `model`'s surprisal (mode "surprisal", white 0 bits to red scale_bits) or by one hidden
    unit's activation (mode: the unit's index; blue -1, white 0, red +1); units: [(unit, label)] that
    section 6 found, offered first by the page's unit selectors. Elsewhere: fallback, a bundle of
    render.shaded."""
    data = {"text": text, "model": model, "mode": mode, "scale_bits": scale_bits,
            "units": [{"unit": int(u), "label": label} for u, label in units]}
    return {SHADER: data, **fallback}


def _attribute(obj):
    return html.escape(json.dumps(obj, ensure_ascii=False), quote=True)


def _script_json(obj):
    """JSON safe inside <script type="application/json">: no "</" can close the element."""
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")


def html_of(data, mimetype, fallback_html):
    """The HTML of a live output: a container that charrnn.js fills with the controls, its settings
    in data-settings (the networks in a <script type="application/json">), and the fallback (what
    Jupyter shows, as HTML) in <noscript>."""
    kind = {SAMPLER: "sampler", SHADER: "shader"}[mimetype]
    settings = {k: v for k, v in data.items() if k != "networks"}
    networks = ""
    if data.get("networks"):
        networks = f'<script type="application/json" class="charrnn-networks">{_script_json(data["networks"])}</script>'
    return (f'<div class="charrnn charrnn-{kind}" data-settings="{_attribute(settings)}">{networks}'
            f'<p class="charrnn-loading">The live {kind} needs JavaScript; below, what the report shows without it.</p>'
            f"<noscript>{fallback_html}</noscript>"
            + (f'<p class="charrnn-help">{html.escape(MEASURED)}</p>' if kind == "sampler" else "") + "</div>")
