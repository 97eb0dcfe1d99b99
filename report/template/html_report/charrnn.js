/* The report's two networks, live in the page (report/live.py embeds them; docs/building.md
 * describes this interface). Plain JavaScript, nothing fetched: the page works from a USB stick.
 *
 *   charRNN.models                        {name: {title, K, m, vocabulary, x0}}
 *   charRNN.probabilities(name, text)     row t: p_{t+1}, the distribution over the vocabulary of the
 *                                         character after text[t], having read text[0..t] from h0
 *   charRNN.hiddenStates(name, text)      row t: h after reading text[0..t] from h0
 *   charRNN.sample(name, prime, {temperature, top_p, length, seed})   the text written after prime
 *
 * The forward pass is the lecture's, with h0 and x0 the state of the network's best update:
 *   a_t = W h_{t-1} + U x_t + b,   h_t = tanh(a_t),   o_t = V h_t + c,   p_t = softmax(o_t / T)
 * The weights arrive as float32 (or float64); everything is computed in float64, so the page agrees
 * with NumPy's R.hidden_states and R.softmax in float64 to rounding. */
(function () {
  "use strict";

  var LIMITS = {length: 10000, prime: 10000, shade: 5000};
  // How text shows characters that would otherwise be invisible (report/render.py's SYMBOLS).
  function symbol(ch) {
    if (ch === "\n") return "\u21b5";
    if (ch === "\t") return "\u21e5";
    if (ch === "\x7f") return "\u2421";
    var code = ch.codePointAt(0);
    return code < 0x20 ? String.fromCodePoint(0x2400 + code) : ch;
  }
  function shown(ch) { return ch === " " ? "\u2423" : symbol(ch); }   // in a list: a space as ␣
  function named(ch) {
    var code = ch.codePointAt(0).toString(16).toUpperCase();
    return "\u201c" + symbol(ch) + "\u201d (U+" + "0000".slice(code.length) + code + ")";
  }

  // ---------------------------------------------------------------- the networks

  function decode(array) {
    var bytes = atob(array.base64), buffer = new ArrayBuffer(bytes.length), view = new Uint8Array(buffer);
    for (var i = 0; i < bytes.length; i++) view[i] = bytes.charCodeAt(i);
    // base64 of little-endian floats; Float32Array reads the machine's order, little-endian everywhere
    // a browser runs today
    var raw = array.dtype === "float32" ? new Float32Array(buffer) : new Float64Array(buffer);
    return Float64Array.from(raw);
  }

  function Network(name, data) {
    this.name = name;
    this.title = data.title;
    this.K = data.K;
    this.m = data.m;
    this.chars = data.chars.map(function (c) { return String.fromCodePoint(c); });
    this.index = new Map(this.chars.map(function (c, i) { return [c, i]; }));
    this.x0 = data.x0;
    var a = data.arrays;
    this.U = decode(a.U);    // (m, K), row-major: U[j * K + k]; a one-hot x_t picks column k
    this.W = decode(a.W);    // (m, m)
    this.V = decode(a.V);    // (K, m)
    this.b = decode(a.b);
    this.c = decode(a.c);
    this.h0 = decode(a.h0);
  }

  // h_t = tanh(W h_{t-1} + U x_t + b), into out (a Float64Array of m)
  Network.prototype.step = function (h, x, out) {
    var m = this.m, K = this.K, W = this.W, U = this.U, b = this.b;
    for (var j = 0; j < m; j++) {
      var a = b[j] + U[j * K + x], row = j * m;
      for (var k = 0; k < m; k++) a += W[row + k] * h[k];
      out[j] = Math.tanh(a);
    }
    return out;
  };

  // p_t = softmax((V h_t + c) / temperature), into out (K); the max subtracted first, as R.softmax does
  Network.prototype.output = function (h, temperature, out) {
    var m = this.m, K = this.K, V = this.V, c = this.c, max = -Infinity, sum = 0, i, k;
    for (i = 0; i < K; i++) {
      var o = c[i], row = i * m;
      for (k = 0; k < m; k++) o += V[row + k] * h[k];
      out[i] = o / temperature;
      if (out[i] > max) max = out[i];
    }
    for (i = 0; i < K; i++) { out[i] = Math.exp(out[i] - max); sum += out[i]; }
    for (i = 0; i < K; i++) out[i] /= sum;
    return out;
  };

  // The indices of text's characters (code points, as Python counts them), or an error naming every
  // character the network never saw: none is silently dropped.
  Network.prototype.encode = function (text) {
    var chars = Array.from(text), x = new Int32Array(chars.length), missing = new Map(), self = this;
    chars.forEach(function (ch, t) {
      var i = self.index.get(ch);
      if (i === undefined) missing.set(ch, (missing.get(ch) || 0) + 1); else x[t] = i;
    });
    if (missing.size) {
      var list = Array.from(missing, function (e) { return named(e[0]) + (e[1] > 1 ? " \u00d7" + e[1] : ""); });
      throw new RangeError("Not in the vocabulary of " + this.title + ": " + list.join(", ") +
                           ". The network never saw " + (missing.size > 1 ? "these characters" : "this character") +
                           " in its training text: leave " + (missing.size > 1 ? "them" : "it") + " out or replace " +
                           (missing.size > 1 ? "them." : "it."));
    }
    return x;
  };

  // Read x (indices) from h0: the hidden state after each character, rows of m.
  Network.prototype.states = function (x) {
    var H = [], h = this.h0;
    for (var t = 0; t < x.length; t++) h = H[t] = this.step(h, x[t], new Float64Array(this.m));
    return H;
  };

  // ---------------------------------------------------------------- the course's sampling rule

  // p restricted to the smallest set of most likely characters whose mass reaches top_p, renormalised
  // (R.nucleus: a stable sort, so that ties keep the vocabulary's order)
  function nucleus(p, topP) {
    var K = p.length, order = Array.from({length: K}, function (_, i) { return i; });
    order.sort(function (i, j) { return p[j] - p[i]; });
    var keep = K, mass = 0, i;
    for (i = 0; i < K; i++) { mass += p[order[i]]; if (mass >= topP) { keep = i + 1; break; } }
    var q = new Float64Array(K), sum = 0;
    for (i = 0; i < keep; i++) q[order[i]] = p[order[i]];
    for (i = 0; i < K; i++) sum += q[i];
    for (i = 0; i < K; i++) q[i] /= sum;
    return q;
  }

  // The course's pick: the first index where cumsum(p) > a * cumsum(p)[-1], a ~ U(0, 1) (R.synthesize)
  function pick(p, a) {
    var cp = new Float64Array(p.length), s = 0, i;
    for (i = 0; i < p.length; i++) cp[i] = s += p[i];
    var v = a * cp[p.length - 1];
    for (i = 0; i < p.length; i++) if (cp[i] > v) return i;
    return p.length - 1;
  }

  // A small seeded generator (mulberry32), so that a sample can be reproduced and quoted: two 32-bit
  // draws make one uniform number in [0, 1) with 53 bits, as NumPy's random() has.
  function generator(seed) {
    var s = seed >>> 0;
    function next() {
      s = (s + 0x6D2B79F5) >>> 0;
      var t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    }
    return function () { return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992; };
  }

  // The settings of a sample, checked: a RangeError that says what to do, never a frozen tab.
  function checked(options) {
    var o = Object.assign({temperature: 1, top_p: 1, length: 200}, options || {});
    var T = Number(o.temperature), p = Number(o.top_p), n = Number(o.length);
    if (!isFinite(T) || T < 1e-6)
      throw new RangeError("The temperature must be a number greater than 0, got " + o.temperature +
                           ". (Near 0 the network picks its likeliest character every time: try 0.1.)");
    if (!isFinite(p) || p <= 0 || p > 1)
      throw new RangeError("Top-p must be greater than 0 and at most 1, got " + o.top_p +
                           ". (It keeps the likeliest characters whose probabilities add up to it; 1 keeps all.)");
    if (!Number.isInteger(n) || n < 1 || n > LIMITS.length)
      throw new RangeError("The length must be a whole number from 1 to " + LIMITS.length.toLocaleString("en") +
                           " characters, got " + o.length + ". (A longer text would keep the page busy for seconds.)");
    var draws = o.draws;
    if (draws === undefined) {
      var seed = o.seed === undefined || o.seed === null || o.seed === "" ? Math.floor(Math.random() * 4294967296) : Number(o.seed);
      if (!Number.isInteger(seed) || seed < 0 || seed > 4294967295)
        throw new RangeError("The seed must be a whole number from 0 to 4294967295, got " + o.seed + ".");
      o.seed = seed;
      draws = generator(seed);
    } else {
      if (draws.length < n) throw new RangeError("draws: " + n + " uniform numbers are needed, got " + draws.length + ".");
      var given = draws;
      draws = (function () { var i = 0; return function () { return given[i++]; }; })();
    }
    return {temperature: T, top_p: p, length: n, seed: o.seed, draw: draws};
  }

  // ---------------------------------------------------------------- the interface

  var networks = {};
  function network(name) {
    if (!networks.hasOwnProperty(name))
      throw new RangeError("No network " + JSON.stringify(name) + " on this page; there are " +
                           Object.keys(networks).map(JSON.stringify).join(" and ") + ".");
    return networks[name];
  }

  var charRNN = {
    models: {},
    limits: LIMITS,

    probabilities: function (name, text) {
      var net = network(name), H = net.states(net.encode(text));
      return H.map(function (h) { return Array.from(net.output(h, 1, new Float64Array(net.K))); });
    },

    hiddenStates: function (name, text) {
      var net = network(name);
      return net.states(net.encode(text)).map(function (h) { return Array.from(h); });
    },

    // The characters written after prime (continue_text of notebook 8 without the prime): prime is
    // read from h0, all but its last character, which is the first input; an empty prime starts from
    // x0, as a passage of section 4 does. options.draws (uniform numbers, one per character) replaces
    // the seeded generator: the tests give it NumPy's draws.
    sample: function (name, prime, options) {
      var net = network(name), o = checked(options);
      var chars = Array.from(prime || "");
      if (chars.length > LIMITS.prime)
        throw new RangeError("The beginning is " + chars.length.toLocaleString("en") + " characters long; at most " +
                             LIMITS.prime.toLocaleString("en") + " are read.");
      var x = chars.length ? net.encode(prime) : Int32Array.of(net.x0);
      var h = net.h0, out = "", p = new Float64Array(net.K);
      for (var t = 0; t < x.length - 1; t++) h = net.step(h, x[t], new Float64Array(net.m));
      var input = x[x.length - 1];
      for (var n = 0; n < o.length; n++) {
        h = net.step(h, input, new Float64Array(net.m));
        net.output(h, o.temperature, p);
        input = pick(o.top_p < 1 ? nucleus(p, o.top_p) : p, o.draw());
        out += net.chars[input];
      }
      return out;
    },

    // for the curious and the tests: the seeded generator's first n draws
    uniforms: function (seed, n) { var g = generator(seed); return Array.from({length: n}, g); }
  };
  window.charRNN = charRNN;

  // ---------------------------------------------------------------- the page's controls

  function element(tag, attributes, children) {
    var e = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (k) {
      if (k === "text") e.textContent = attributes[k]; else e.setAttribute(k, attributes[k]);
    });
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }
  function field(label, control) {
    return element("label", {class: "charrnn-field"}, [element("span", {text: label}), control]);
  }
  function networkSelect(chosen) {
    var select = element("select", {name: "model"});
    Object.keys(networks).forEach(function (name) {
      var n = networks[name], option = element("option", {value: name, text: n.title + " (m = " + n.m + ")"});
      if (name === chosen) option.selected = true;
      select.appendChild(option);
    });
    return select;
  }
  function say(status, text, isError) {
    status.textContent = text;
    status.classList.toggle("charrnn-error", !!isError);
  }
  function ms(t) { return t < 10 ? t.toFixed(1) + " ms" : Math.round(t) + " ms"; }

  function sampler(root, s) {
    var prime = element("textarea", {name: "prime", rows: 2, spellcheck: "false"});
    prime.value = s.prime;
    var temperature = element("input", {name: "temperature", type: "number", step: "0.05", value: s.temperature});
    var topP = element("input", {name: "top_p", type: "number", step: "0.01", value: s.top_p});
    var length = element("input", {name: "length", type: "number", step: "50", value: s.length});
    var seed = element("input", {name: "seed", type: "number", step: "1", value: s.seed,
                                 placeholder: "blank: a new one"});
    var model = networkSelect(s.model);
    var button = element("button", {type: "submit", text: "write"});
    var form = element("form", {class: "charrnn-form"}, [
      field("network", model), field("begin with", prime), field("temperature", temperature),
      field("top-p", topP), field("length", length), field("seed", seed), button]);
    var status = element("p", {class: "charrnn-status", role: "status", "aria-live": "polite"});
    var output = element("div", {class: "charrnn-output generated", "aria-live": "polite"});
    root.append(form, status, output);

    function write() {
      var begin = prime.value, notes = [];
      if (!begin) notes.push("The beginning is empty: the network starts from the input character of its best update, " +
                             named(networks[model.value].chars[networks[model.value].x0]) + ".");
      try {
        var options = {temperature: temperature.value, top_p: topP.value, length: length.value, seed: seed.value};
        var start = performance.now();
        var options2 = checked(options);                    // settles the seed, so that it can be shown
        var text = charRNN.sample(model.value, begin, {temperature: options2.temperature, top_p: options2.top_p,
                                                       length: options2.length, seed: options2.seed});
        var took = performance.now() - start;
        seed.value = options2.seed;
        function asText(t) { return Array.from(t).map(function (c) { return c === "\n" ? c : symbol(c); }).join(""); }
        output.replaceChildren(element("strong", {text: asText(begin)}), document.createTextNode(asText(text)));
        notes.push(options2.length.toLocaleString("en") + " characters in " + ms(took) + " on this machine; seed " +
                   options2.seed + " writes the same again.");
        say(status, notes.join(" "), false);
      } catch (err) {
        say(status, err.message, true);
      }
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); write(); });
    write();
  }

  // ---------------------------------------------------------------- text shaded by what the network sees

  function heat(v) {             // white at 0 to red at 1 (render.heat)
    v = Math.min(Math.max(v, 0), 1);
    return "rgb(255," + Math.trunc(255 - 175 * v) + "," + Math.trunc(255 - 195 * v) + ")";
  }
  function diverging(v) {        // blue at -1, white at 0, red at +1 (render.diverging)
    v = Math.min(Math.max(v, -1), 1);
    return v >= 0 ? heat(v) : "rgb(" + Math.trunc(255 + 175 * v) + "," + Math.trunc(255 + 120 * v) + ",255)";
  }
  function likeliest(p, chars, n) {
    var order = Array.from(p.keys()).sort(function (i, j) { return p[j] - p[i]; }).slice(0, n);
    return order.map(function (k) { return shown(chars[k]) + " " + p[k].toFixed(2); }).join(", ");
  }

  var foundUnits = [];           // [{unit, label}] that section 6 found, from every shaded box

  function shader(root, s) {
    var box = element("textarea", {rows: 5, spellcheck: "false", "aria-label": "text to shade"});
    box.value = s.text;
    var model = networkSelect(s.model);
    var mode = element("select", {name: "mode"});
    var unitNumber = element("input", {type: "number", min: 0, step: 1, value: typeof s.mode === "number" ? s.mode : 0,
                                       "aria-label": "unit number"});
    var controls = element("div", {class: "charrnn-form"}, [field("network", model), field("shade by", mode),
                                                             field("unit", unitNumber)]);
    var status = element("p", {class: "charrnn-status", role: "status", "aria-live": "polite"});
    var shaded = element("div", {class: "charrnn-shaded generated", tabindex: 0, role: "group",
                                 "aria-label": "the text shaded; arrow keys move from character to character"});
    var tip = element("div", {class: "charrnn-tip", role: "tooltip", id: "charrnn-tip-" + Math.random().toString(36).slice(2)});
    var detail = element("p", {class: "charrnn-detail", "aria-live": "polite"});
    root.append(element("p", {class: "charrnn-help", text: "Type or paste below; hover, tap or focus the shaded text " +
                              "(then \u2190 \u2192) to see what the network expected at each character."}),
                box, controls, shaded, tip, detail, status);
    var spans = [], tips = [], active = -1;

    function fillModes() {
      var keep = mode.value || (typeof s.mode === "number" ? "unit " + s.mode : "surprisal");
      mode.replaceChildren(element("option", {value: "surprisal", text: "surprisal (bits)"}));
      foundUnits.forEach(function (u) { mode.appendChild(element("option", {value: "unit " + u.unit, text: u.label})); });
      mode.appendChild(element("option", {value: "other", text: "another unit (its number \u2192)"}));
      mode.value = Array.from(mode.options).some(function (o) { return o.value === keep; }) ? keep : "other";
    }

    function render() {
      var net = networks[model.value], chars = Array.from(box.value), notes = [];
      var all = chars.length;
      if (all > LIMITS.shade) {
        chars = chars.slice(0, LIMITS.shade);
        notes.push("Shading the first " + LIMITS.shade.toLocaleString("en") + " of " + all.toLocaleString("en") +
                   " characters; the rest is not read.");
      }
      var unit = null;
      if (mode.value !== "surprisal") {
        unit = mode.value === "other" ? Number(unitNumber.value) : Number(mode.value.slice(5));
        if (!Number.isInteger(unit) || unit < 0 || unit >= net.m) {
          say(status, "A unit is a whole number from 0 to " + (net.m - 1) + " (this network has m = " + net.m +
              " hidden units), got " + unitNumber.value + ".", true);
          return;
        }
        unitNumber.value = unit;
      }
      var start = performance.now();
      // read the characters the network knows, from h0; the others are shown grey and skipped
      var h = net.h0, p = null, missing = new Map(), colors = [], titles = [];
      chars.forEach(function (ch, t) {
        var x = net.index.get(ch);
        if (x === undefined) {
          missing.set(ch, (missing.get(ch) || 0) + 1);
          colors.push(null);
          titles.push(named(ch) + " is not in the vocabulary: the network cannot read it, and skips it.");
          return;
        }
        if (unit === null) {
          if (p === null) { colors.push("#fff"); titles.push("the first character: read from the state of the best update, not predicted"); }
          else {
            var bits = -Math.log2(p[x]);
            colors.push(heat(bits / s.scale_bits));
            titles.push(bits.toFixed(1) + " bits; most likely: " + likeliest(p, net.chars, 5));
          }
        }
        h = net.step(h, x, new Float64Array(net.m));
        if (unit === null) p = net.output(h, 1, new Float64Array(net.K));
        else { colors.push(diverging(h[unit])); titles.push("unit " + unit + ": " + (h[unit] >= 0 ? "+" : "\u2212") + Math.abs(h[unit]).toFixed(2)); }
      });
      var took = performance.now() - start;
      var fragment = document.createDocumentFragment();
      spans = chars.map(function (ch, t) {
        var span = element("span", {"data-i": t, text: symbol(ch)});
        if (colors[t] === null) span.className = "charrnn-unknown"; else span.style.background = colors[t];
        fragment.appendChild(span);
        if (ch === "\n") fragment.appendChild(element("br"));
        return span;
      });
      tips = titles;
      shaded.replaceChildren(fragment);
      active = -1;
      hide();
      if (missing.size)
        notes.push("Not in the vocabulary, shown grey and skipped: " + Array.from(missing, function (e) {
          return named(e[0]) + (e[1] > 1 ? " \u00d7" + e[1] : ""); }).join(", ") + ".");
      if (!chars.length) notes.push("Type some text above to see it shaded.");
      notes.push((unit === null ? "Surprisal, white 0 bits to red " + s.scale_bits + " or more"
                                : "Unit " + unit + ", blue \u22121 to white 0 to red +1") + "; " +
                 chars.length.toLocaleString("en") + " characters read in " + ms(took) + ".");
      say(status, notes.join(" "), missing.size > 0 || all > LIMITS.shade);
    }

    function show(i) {
      if (i < 0 || i >= spans.length) return;
      if (active >= 0 && spans[active]) spans[active].classList.remove("charrnn-active");
      active = i;
      var span = spans[i];
      span.classList.add("charrnn-active");
      tip.textContent = tips[i];
      detail.textContent = "Character " + (i + 1) + ", " + named(Array.from(box.value)[i]) + ": " + tips[i];
      var r = span.getBoundingClientRect(), outer = root.getBoundingClientRect();
      tip.style.left = Math.max(0, Math.min(r.left - outer.left, outer.width - 260)) + "px";
      tip.style.top = (r.bottom - outer.top + 4) + "px";
      tip.hidden = false;
      shaded.setAttribute("aria-describedby", tip.id);
    }
    function hide() { tip.hidden = true; if (active >= 0 && spans[active]) spans[active].classList.remove("charrnn-active"); }
    function index(event) { var i = event.target.getAttribute && event.target.getAttribute("data-i"); return i === null ? -1 : Number(i); }

    shaded.addEventListener("mouseover", function (e) { var i = index(e); if (i >= 0) show(i); });
    shaded.addEventListener("click", function (e) { var i = index(e); if (i >= 0) { show(i); shaded.focus({preventScroll: true}); } });
    shaded.addEventListener("mouseleave", function () { if (document.activeElement !== shaded) hide(); });
    shaded.addEventListener("focus", function () { show(active >= 0 ? active : 0); });
    shaded.addEventListener("blur", hide);
    shaded.addEventListener("keydown", function (e) {
      var moves = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
      if (e.key in moves) show(Math.max(0, Math.min(spans.length - 1, (active < 0 ? 0 : active) + moves[e.key])));
      else if (e.key === "Home") show(0);
      else if (e.key === "End") show(spans.length - 1);
      else if (e.key === "Escape") hide();
      else return;
      e.preventDefault();
    });
    var timer = null;
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 150); });
    model.addEventListener("change", render);
    mode.addEventListener("change", render);
    unitNumber.addEventListener("input", function () { mode.value = "other"; render(); });
    return {fillModes: fillModes, render: render};
  }

  // ---------------------------------------------------------------- start

  function start() {
    var live = document.querySelectorAll(".charrnn");
    if (!live.length) return;
    document.querySelectorAll("script.charrnn-networks").forEach(function (script) {
      var data = JSON.parse(script.textContent);
      Object.keys(data).forEach(function (name) {
        var net = networks[name] = new Network(name, data[name]);
        charRNN.models[name] = {title: net.title, K: net.K, m: net.m, vocabulary: net.chars.slice(), x0: net.chars[net.x0]};
      });
    });
    var boxes = [];
    live.forEach(function (root) {
      var s = JSON.parse(root.getAttribute("data-settings"));
      var loading = root.querySelector(".charrnn-loading");
      if (!Object.keys(networks).length || (s.model && !networks[s.model])) {
        loading.textContent = "The live version is not on this page" + (s.left_out ? ": " + s.left_out : "") +
                              ". The report's text follows.";
        root.classList.add("charrnn-absent");
        return;
      }
      loading.remove();
      if (root.classList.contains("charrnn-sampler")) sampler(root, s);
      else {
        (s.units || []).forEach(function (u) {
          if (!foundUnits.some(function (f) { return f.unit === u.unit; })) foundUnits.push(u);
        });
        boxes.push(shader(root, s));
      }
    });
    boxes.forEach(function (b) { b.fillModes(); b.render(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
